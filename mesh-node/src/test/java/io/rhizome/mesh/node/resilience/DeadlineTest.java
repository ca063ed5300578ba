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
            assertEquals(
                    "x-rhizome-deadline-ms: \""
                            + bad
                            + "\" (expected: an integer number of milliseconds, 1..3600000)",
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

    @Test
    void grpcTimeoutsAreReadInEveryUnitAndRoundedUpToMilliseconds() {
        assertEquals(new Deadline.Remaining(250), Deadline.parseGrpcTimeout("250m"));
        assertEquals(new Deadline.Remaining(2000), Deadline.parseGrpcTimeout("2S"));
        assertEquals(new Deadline.Remaining(120_000), Deadline.parseGrpcTimeout("2M"));
        assertEquals(new Deadline.Remaining(1), Deadline.parseGrpcTimeout("500u"));
        assertEquals(new Deadline.Remaining(1), Deadline.parseGrpcTimeout("1n"));
        assertEquals(new Deadline.Remaining(3), Deadline.parseGrpcTimeout("2500u"));
        // gRPC clients send far-off defaults: capped, not refused.
        assertEquals(
                new Deadline.Remaining(Deadline.MAX_MILLIS),
                Deadline.parseGrpcTimeout("99999999H"));
        assertInstanceOf(Deadline.Expired.class, Deadline.parseGrpcTimeout("0m"));
        assertInstanceOf(Deadline.Absent.class, Deadline.parseGrpcTimeout(null));
    }

    @Test
    void malformedGrpcTimeoutsNameTheHeaderAndTheForm() {
        for (String bad : new String[] {"", "m", "10", "10x", "-5m", "123456789m", "1.5S"}) {
            Deadline.Parsed p = Deadline.parseGrpcTimeout(bad);
            assertInstanceOf(Deadline.Invalid.class, p, bad);
            assertEquals(
                    "grpc-timeout: \""
                            + bad
                            + "\" (expected: 1 to 8 digits and a unit, H M S m u n, as in 250m)",
                    ((Deadline.Invalid) p).message());
        }
    }

    @Test
    void theEarlierDeadlineWinsAndAnExpiredOrInvalidOneAlways() {
        assertEquals(
                new Deadline.Remaining(100),
                Deadline.earlier(new Deadline.Remaining(100), new Deadline.Remaining(900)));
        assertEquals(
                new Deadline.Remaining(100),
                Deadline.earlier(new Deadline.Remaining(900), new Deadline.Remaining(100)));
        assertEquals(
                new Deadline.Remaining(900),
                Deadline.earlier(Deadline.parse(null), new Deadline.Remaining(900)));
        assertInstanceOf(
                Deadline.Expired.class,
                Deadline.earlier(new Deadline.Remaining(900), Deadline.parseGrpcTimeout("0S")));
        assertInstanceOf(
                Deadline.Invalid.class,
                Deadline.earlier(new Deadline.Remaining(900), Deadline.parseGrpcTimeout("x")));
        assertEquals("250m", Deadline.formatGrpc(1_000_000_000L + 250_000_000L, 1_000_000_000L));
    }
}
