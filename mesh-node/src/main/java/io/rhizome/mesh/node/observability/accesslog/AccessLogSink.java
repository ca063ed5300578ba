package io.rhizome.mesh.node.observability.accesslog;

import io.rhizome.mesh.node.config.ObservabilitySettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Where the writer thread puts a batch of complete lines: one call, one {@code write(2)} as far as the OS allows. */
interface AccessLogSink extends AutoCloseable {

    void write(byte[] bytes, int length) throws IOException;

    @Override
    void close() throws IOException;

    /** {@code stdout}, or a file opened for appending (created, with its directories, if missing). */
    static AccessLogSink open(String target) throws IOException {
        if (ObservabilitySettings.STDOUT.equals(target)) {
            return new Stdout();
        }
        Path file = Path.of(target).toAbsolutePath();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        return new AppendedFile(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND));
    }

    /** The process's {@code System.out} as it is at each write, so that whatever else prints there is never cut into. */
    final class Stdout implements AccessLogSink {
        @Override
        public void write(byte[] bytes, int length) throws IOException {
            PrintStream out = System.out;
            out.write(bytes, 0, length); // longer than its buffer: written through in one call, then flushed
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

    final class AppendedFile implements AccessLogSink {
        private final FileChannel channel;

        AppendedFile(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void write(byte[] bytes, int length) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
