package dev.rotor.worker;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;

/**
 * The two socket calls the JDK has no API for, {@code listen(2)} again with another backlog and
 * {@code setsockopt(2)} with a classic BPF program, through the foreign function API (final since
 * Java 22). Reached by reflection because the project compiles for Java 21, where that API is a
 * preview: on 21 every call here fails with an exception and the callers do without it. The jar's
 * manifest enables native access for the unnamed module, so Java 25 does not warn.
 */
final class Native {
    /** {@code SOL_SOCKET} */
    static final int SOL_SOCKET = 1;
    /** {@code SO_ATTACH_REUSEPORT_CBPF}: a classic BPF program picks the listener of a reuseport group */
    static final int SO_ATTACH_REUSEPORT_CBPF = 51;
    /** {@code SO_DETACH_REUSEPORT_BPF}: the group picks by hash again */
    static final int SO_DETACH_REUSEPORT_BPF = 68;
    /** {@code BPF_RET | BPF_K}: return the constant */
    private static final short BPF_RET_K = 0x06;

    private static volatile MethodHandle listen;
    private static volatile MethodHandle setsockopt;

    private Native() {
    }

    /**
     * @return {@code listen(fd, backlog)}'s result (0 on success)
     * @throws Throwable when the foreign function API is not there
     */
    static int listen(int fd, int backlog) throws Throwable {
        if (listen == null) {
            listen = downcall("listen", 2, -1);
        }
        return (int) listen.invokeWithArguments(fd, backlog);
    }

    /**
     * Attach to the reuseport group of the listener {@code fd} a program that sends every new
     * connection to the group's listener at {@code index} (its order of joining, a closed one's
     * place taken by the last). An index past the group's end makes the kernel pick by hash.
     *
     * @return whether the kernel took the program
     * @throws Throwable when the foreign function API is not there
     */
    static boolean steer(int fd, int index) throws Throwable {
        try (AutoCloseable arena = arena()) {
            Object filter = allocate(arena, 8);
            // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }
            set(filter, "JAVA_SHORT", 0, BPF_RET_K);
            set(filter, "JAVA_INT", 4, index);
            Object program = allocate(arena, 16);
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (the pointer at 8)
            set(program, "JAVA_SHORT", 0, (short) 1);
            set(program, "ADDRESS", 8, filter);
            return setsockopt(fd, SO_ATTACH_REUSEPORT_CBPF, program, 16);
        }
    }

    /**
     * Take the program off the reuseport group of the listener {@code fd}, if it has one.
     *
     * @return whether a program was taken off
     * @throws Throwable when the foreign function API is not there
     */
    static boolean unsteer(int fd) throws Throwable {
        try (AutoCloseable arena = arena()) {
            return setsockopt(fd, SO_DETACH_REUSEPORT_BPF, allocate(arena, 4), 4);
        }
    }

    /** @return a confined arena: its memory lives until it is closed, whatever the JIT thinks of the references */
    private static AutoCloseable arena() throws ReflectiveOperationException {
        return (AutoCloseable) Class.forName("java.lang.foreign.Arena").getMethod("ofConfined").invoke(null);
    }

    private static boolean setsockopt(int fd, int option, Object value, int length) throws Throwable {
        if (setsockopt == null) {
            setsockopt = downcall("setsockopt", 5, 3);
        }
        return (int) setsockopt.invokeWithArguments(fd, SOL_SOCKET, option, value, length) == 0;
    }

    private static Object allocate(Object arena, long bytes) throws ReflectiveOperationException {
        Object segment = Class.forName("java.lang.foreign.SegmentAllocator").getMethod("allocate", long.class, long.class)
                .invoke(arena, bytes, 8L);
        return segment;
    }

    /** {@code segment.set(ValueLayout.<layout>, offset, value)} */
    private static void set(Object segment, String layout, long offset, Object value) throws ReflectiveOperationException {
        Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
        Object l = valueLayout.getField(layout).get(null);
        Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> valueType = switch (layout) {
            case "JAVA_SHORT" -> short.class;
            case "JAVA_INT" -> int.class;
            default -> segmentType;
        };
        Method set = segmentType.getMethod("set", valueLayout.getField(layout).getType(), long.class, valueType);
        set.invoke(segment, l, offset, value);
    }

    /**
     * @param name    a C library function returning int
     * @param ints    how many arguments it takes
     * @param address which argument is a pointer (-1: none), the others are ints
     */
    private static MethodHandle downcall(String name, int ints, int address) throws ReflectiveOperationException {
        Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
        Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
        Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
        Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
        Object linker = linkerType.getMethod("nativeLinker").invoke(null);
        Object lookup = linkerType.getMethod("defaultLookup").invoke(linker);
        Object symbol = ((java.util.Optional<?>) Class.forName("java.lang.foreign.SymbolLookup").getMethod("find", String.class)
                .invoke(lookup, name)).orElseThrow();
        Object javaInt = valueLayout.getField("JAVA_INT").get(null);
        Object pointer = valueLayout.getField("ADDRESS").get(null);
        Object args = Array.newInstance(layoutType, ints);
        for (int i = 0; i < ints; i++) {
            Array.set(args, i, i == address ? pointer : javaInt);
        }
        Object descriptor = descriptorType.getMethod("of", layoutType, args.getClass()).invoke(null, javaInt, args);
        Object options = Array.newInstance(optionType, 0);
        return (MethodHandle) linkerType.getMethod("downcallHandle", segmentType, descriptorType, options.getClass())
                .invoke(linker, symbol, descriptor, options);
    }
}
