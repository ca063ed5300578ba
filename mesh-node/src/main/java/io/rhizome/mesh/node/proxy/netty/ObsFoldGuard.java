package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Refuses obs-fold (a header or trailer line that starts with a space or a tab, RFC 9112 §5.2),
 * which Netty's decoder would otherwise unfold silently and has no option or hook to refuse.
 *
 * <p>Two places of one connection share this state: the guard, before the decoder, reads the raw
 * bytes of request heads (and of chunk-size and trailer lines), jumping from line end to line end
 * with {@link ByteBuf#indexOf} and looking at the byte after each, copying nothing and skipping
 * body data by count; {@link #decoded}, called by the {@link RequestGate} after the decoder and the
 * {@link RequestValidator}, marks the request that held a fold as a decoder failure, so the proxy
 * answers it like any other hostile request (400 {@code bad-request}, connection closed, nothing
 * forwarded). The guard does not parse framing itself: it hands each whole head to the decoder and
 * takes the body's length from the request the decoder made of it (Content-Length or chunked), so
 * the two cannot disagree about where the next head begins. They could only disagree on input the
 * decoder refuses, and a refused request closes the connection. After a refusal, a CONNECT or
 * anything the decoder did not turn into a request, the guard passes bytes through unread.
 */
final class ObsFoldGuard extends ChannelInboundHandlerAdapter {
    static final String FOLD =
            "obs-fold (a header line starting with a space or tab) is not accepted";

    private enum State {
        /** Before a request line: the CR, LF and other control bytes the decoder skips there. */
        SKIP,
        /** In the request line, where a leading space is not a fold. */
        REQUEST_LINE,
        LINE_START,
        LINE,
        END_CR,
        /** A head has been handed to the decoder; the tracker says what follows it. */
        AWAIT_REQUEST,
        FIXED_BODY,
        CHUNK_SIZE,
        CHUNK_DATA,
        /** The CRLF after a chunk's data. */
        CHUNK_END,
        TRAILER_START,
        TRAILER,
        TRAILER_END_CR,
        PASS
    }

    private State state = State.SKIP;

    /** Body bytes still to skip (FIXED_BODY, CHUNK_DATA). */
    private long remaining;

    private long chunkSize;
    private boolean chunkSizeEnded;
    private boolean foldInHead;
    private boolean foldInTrailer;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.PASS || !(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        int start = in.readerIndex();
        int from = start; // the first byte not handed on yet
        int end = in.writerIndex();
        int i = start;
        while (i < end && state != State.PASS) {
            switch (state) {
                case FIXED_BODY, CHUNK_DATA -> {
                    int skip = (int) Math.min(remaining, end - i);
                    i += skip;
                    remaining -= skip;
                    if (remaining == 0) {
                        state = state == State.FIXED_BODY ? State.SKIP : State.CHUNK_END;
                    }
                }
                case REQUEST_LINE, LINE, TRAILER, CHUNK_END -> {
                    int lf = in.indexOf(i, end, (byte) '\n');
                    if (lf < 0) {
                        i = end;
                    } else {
                        i = lf + 1;
                        lineEnded();
                    }
                }
                case CHUNK_SIZE -> {
                    if (chunkSizeEnded) { // extensions: the decoder checks them; on to the line's
                        // end
                        int lf = in.indexOf(i, end, (byte) '\n');
                        i = lf < 0 ? end : lf;
                    }
                    if (i < end) {
                        chunkSizeByte(in.getByte(i++));
                    }
                }
                default -> {
                    lineStartByte(in.getByte(i++));
                    if (state == State.AWAIT_REQUEST) {
                        // A whole head: the decoder makes a request of it now, and the tracker says
                        // what follows.
                        boolean whole = from == start && i == end;
                        ctx.fireChannelRead(whole ? in : in.retainedSlice(from, i - from));
                        if (state == State.AWAIT_REQUEST) {
                            state = State.PASS; // the decoder made no request of it (it is
                            // discarding input)
                        }
                        if (whole) {
                            return;
                        }
                        from = i;
                    }
                }
            }
        }
        if (from == start) {
            ctx.fireChannelRead(in);
            return;
        }
        if (from < end) {
            ctx.fireChannelRead(in.retainedSlice(from, end - from));
        }
        in.release();
    }

    private void lineEnded() {
        state =
                switch (state) {
                    case REQUEST_LINE, LINE -> State.LINE_START;
                    case TRAILER -> State.TRAILER_START;
                    default -> { // CHUNK_END
                        chunkSize = 0;
                        chunkSizeEnded = false;
                        yield State.CHUNK_SIZE;
                    }
                };
    }

    /** A byte where a line may begin (or a head or trailer section end). */
    private void lineStartByte(byte b) {
        switch (state) {
            case SKIP -> {
                if (b > ' ' && b != 0x7f) {
                    state = State.REQUEST_LINE;
                }
            }
            case LINE_START -> {
                if (b == '\r') {
                    state = State.END_CR;
                } else if (b == '\n') {
                    state = State.AWAIT_REQUEST;
                } else if (b == ' ' || b == '\t') {
                    foldInHead = true;
                    state = State.PASS; // the tracker refuses the request this head becomes
                } else {
                    state = State.LINE;
                }
            }
            case END_CR -> state = b == '\n' ? State.AWAIT_REQUEST : State.LINE;
            case TRAILER_START -> {
                if (b == '\r') {
                    state = State.TRAILER_END_CR;
                } else if (b == '\n') {
                    state = State.SKIP;
                } else {
                    foldInTrailer |= b == ' ' || b == '\t';
                    state = State.TRAILER;
                }
            }
            case TRAILER_END_CR -> state = b == '\n' ? State.SKIP : State.TRAILER;
            default -> state = State.PASS;
        }
    }

    private void chunkSizeByte(byte b) {
        if (b == '\n') {
            if (chunkSize == 0) {
                state = State.TRAILER_START;
            } else {
                state = State.CHUNK_DATA;
                remaining = chunkSize;
            }
            return;
        }
        if (!chunkSizeEnded) {
            int digit = Character.digit(b, 16);
            if (digit < 0) {
                chunkSizeEnded = true; // extensions or the CR
            } else if (chunkSize > Integer.MAX_VALUE) {
                state = State.PASS; // the decoder refuses the overflow and the connection closes
            } else {
                chunkSize = chunkSize * 16 + digit;
            }
        }
    }

    /**
     * Each message the decoder made, in order: learns each request's framing and refuses one whose
     * head or trailer held a fold.
     */
    void decoded(Object msg) {
        if (msg instanceof HttpRequest request) {
            onRequest(request);
        } else if (msg instanceof LastHttpContent last && foldInTrailer) {
            foldInTrailer = false;
            if (last.decoderResult().isSuccess()) {
                last.setDecoderResult(
                        DecoderResult.failure(
                                new IllegalArgumentException(FOLD + " (in a trailer)")));
            }
        }
    }

    private void onRequest(HttpRequest request) {
        if (foldInHead) {
            foldInHead = false;
            if (request.decoderResult().isSuccess()) {
                request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(FOLD)));
            }
            state = State.PASS;
            return;
        }
        if (state != State.AWAIT_REQUEST) {
            return;
        }
        if (request.decoderResult().isFailure() || request.method().equals(HttpMethod.CONNECT)) {
            state = State.PASS; // the connection closes, or becomes a tunnel
        } else if (HttpUtil.isTransferEncodingChunked(request)) {
            state = State.CHUNK_SIZE;
            chunkSize = 0;
            chunkSizeEnded = false;
        } else {
            long length;
            try {
                length = HttpUtil.getContentLength(request, 0L);
            } catch (NumberFormatException e) {
                state = State.PASS; // not reached: the decoder refuses such a length
                return;
            }
            remaining = length;
            state = length > 0 ? State.FIXED_BODY : State.SKIP;
        }
    }
}
