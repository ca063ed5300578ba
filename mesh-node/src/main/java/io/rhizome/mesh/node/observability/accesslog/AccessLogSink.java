package io.rhizome.mesh.node.observability.accesslog;

import io.rhizome.mesh.node.config.ObservabilitySettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where the writer thread puts a batch of complete lines: one call, one {@code write(2)} as far as
 * the OS allows.
 */
interface AccessLogSink extends AutoCloseable {

    void write(byte[] bytes, int length) throws IOException;

    @Override
    void close() throws IOException;

    /**
     * {@code stdout}, or a file opened for appending (created, with its directories, if missing).
     */
    static AccessLogSink open(String target) throws IOException {
        if (ObservabilitySettings.STDOUT.equals(target)) {
            return new Stdout();
        }
        Path file = Path.of(target).toAbsolutePath();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        return new AppendedFile(file, AppendedFile.CHECK_NANOS);
    }

    /**
     * The process's {@code System.out} as it is at each write, so that whatever else prints there
     * is never cut into.
     */
    final class Stdout implements AccessLogSink {
        @Override
        public void write(byte[] bytes, int length) throws IOException {
            PrintStream out = System.out;
            out.write(
                    bytes, 0,
                    length); // longer than its buffer: written through in one call, then flushed
            out.flush();
            if (out.checkError()) {
                throw new IOException("stdout does not take writes");
            }
        }

        @Override
        public void close() {
            System.out.flush();
        }
    }

    /**
     * A file appended to, reopened when it was moved away or deleted (logrotate's default {@code
     * create} mode, or {@code rm}): at most once per {@link #CHECK_NANOS} the path is compared with
     * the open file (inode); if they differ, the path is opened (created) again and the old file
     * closed. Lines written in between still reach the moved file, as with nginx between the rename
     * and its reopen signal. {@code copytruncate} needs nothing: appends follow the truncation.
     * Used by the writer thread only.
     */
    final class AppendedFile implements AccessLogSink {
        static final long CHECK_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
        private final Path path;
        private final long checkNanos;
        private FileChannel channel;
        private Object fileKey;
        private long nextCheck;

        AppendedFile(Path path, long checkNanos) throws IOException {
            this.path = path;
            this.checkNanos = checkNanos;
            this.channel = openPath();
            this.nextCheck = System.nanoTime() + checkNanos;
        }

        private FileChannel openPath() throws IOException {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            FileChannel opened =
                    FileChannel.open(
                            path,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.APPEND);
            try {
                fileKey =
                        Files.readAttributes(
                                        path, java.nio.file.attribute.BasicFileAttributes.class)
                                .fileKey();
            } catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
            return opened;
        }

        @Override
        public void write(byte[] bytes, int length) throws IOException {
            long now = System.nanoTime();
            if (now - nextCheck >= 0) {
                nextCheck = now + checkNanos;
                reopenIfMoved();
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        private void reopenIfMoved() throws IOException {
            Object now = null;
            boolean exists = true;
            try {
                now =
                        Files.readAttributes(
                                        path, java.nio.file.attribute.BasicFileAttributes.class)
                                .fileKey();
            } catch (java.nio.file.NoSuchFileException e) {
                exists = false;
            }
            // Without inode numbers (fileKey null on some file systems) only a deleted file is
            // noticed.
            if (exists && (fileKey == null || fileKey.equals(now))) {
                return;
            }
            FileChannel old = channel;
            channel = openPath();
            old.close();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
