import java.util.concurrent.atomic.AtomicInteger;

/** What the load records: one row per request. */
final class Recorder {
    final int capacity;
    final float[] at;
    final int[] micros;
    final short[] status;
    final byte[] kind;
    final AtomicInteger next = new AtomicInteger();

    Recorder(int capacity) {
        this.capacity = capacity;
        at = new float[capacity];
        micros = new int[capacity];
        status = new short[capacity];
        kind = new byte[capacity];
    }

    void add(double t, long nanos, int code) {
        add(t, nanos, code, false);
    }

    /** @param post whether the request was a POST (the chat route in upstream-hang) */
    void add(double t, long nanos, int code, boolean post) {
        int i = next.getAndIncrement();
        if (i < capacity) {
            at[i] = (float) t;
            micros[i] = (int) Math.min(Integer.MAX_VALUE, nanos / 1000);
            status[i] = (short) code;
            kind[i] = (byte) (post ? 1 : 0);
        }
    }

    int size() {
        return Math.min(next.get(), capacity);
    }
}
