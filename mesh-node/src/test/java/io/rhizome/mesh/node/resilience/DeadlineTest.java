package io.rhizome.mesh.node.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

class DeadlineTest {

    @Test
    void absentHeaderMeansNoDeadline() {
        assertInstanceOf(Deadline.Absent.class, Deadline.parse(null));
        assertEquals(0L, Deadline.millis(Deadline.parse(null)));
    }

    @Test
    void integerMillisecondsInRangeAreTheRemainingTime() {
        assertEquals(new Deadline.Remaining(1500), Deadline.parse("1500"));
        assertEquals(new Deadline.Remaining(200), Deadline.parse(" 200 "));
        assertEquals(new Deadline.Remaining(Deadline.MAX_MILLIS), Deadline.parse("3600000"));
        assertEquals(1500L, Deadline.millis(Deadline.parse("1500")));
    }

    @Test
    void zeroOrLessHasAlreadyExpired() {
        assertInstanceOf(Deadline.Expired.class, Deadline.parse("0"));
        assertInstanceOf(Deadline.Expired.class, Deadline.parse("-20"));
        assertEquals(0L, Deadline.millis(Deadline.parse("0")));
    }

    @Test
    void malformedValuesNameTheHeaderAndTheExpectedForm() {
        for (String bad : new String[] {"1.5s", "", "abc", "3600001", "99999999999999999999"}) {
            Deadline.Parsed parsed = Deadline.parse(bad);
            Deadline.Invalid invalid = assertInstanceOf(Deadline.Invalid.class, parsed, bad);
            assertEquals("x-rhizome-deadline-ms: \"" + bad + "\" (expected: an integer number of milliseconds, 1..3600000)",
                    invalid.message());
        }
    }

    @Test
    void formatSubtractsTheTimeSpentAndNeverGoesBelowOne() {
        long now = 5_000_000_000L;
        assertEquals("300", Deadline.format(now + 300_000_000L, now));
        assertEquals("1", Deadline.format(now + 200_000L, now));
        assertEquals("1", Deadline.format(now - 50_000_000L, now));
    }
}
