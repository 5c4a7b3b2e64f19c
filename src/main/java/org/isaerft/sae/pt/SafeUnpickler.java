package org.isaerft.sae.pt;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.isaerft.tensor.TensorFormatException;

/**
 * A minimal pickle virtual machine (protocols 2–5) for PyTorch state dicts. It builds plain Java
 * values and never executes anything: {@code GLOBAL}/{@code STACK_GLOBAL} resolve only to a fixed
 * allow-list ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 * {@code torch._utils._rebuild_parameter}, and the {@code torch.*Storage} types), and
 * {@code REDUCE} only "calls" those by building a {@link TensorRef} or a map. Any other global
 * fails with an {@link UnsafePickleException} naming it.
 *
 * <p>Values: Python str → String, int → Long (or BigInteger), float → Double, bool → Boolean,
 * None → {@link #NONE}, tuple → {@link Tuple}, list → ArrayList, dict / OrderedDict →
 * LinkedHashMap (insertion order kept), bytes → byte[], a persistent storage id → {@link StorageRef}.
 *
 * <p>Over 400 lines because it is one pickle opcode table; each opcode is a few lines and they read
 * best as one switch.
 */
public final class SafeUnpickler {
    /** Python's None (Java null cannot be stored in every collection). */
    public static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        public Tuple {
            items = List.copyOf(items.stream().map(o -> o == null ? NONE : o).toList());
        }

        public Object get(int i) {
            return items.get(i);
        }

        public int size() {
            return items.size();
        }
    }

    /** {@code ('storage', torch.XStorage, key, location, numel)}: where a tensor's bytes live. */
    public record StorageRef(String storageType, String key, String location, long numel) {}

    /** A tensor as {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)} describes it. */
    public record TensorRef(StorageRef storage, long storageOffset, long[] size, long[] stride, boolean requiresGrad) {}

    /** A global the reader allows, as the VM's stack sees it. */
    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** The {@code torch.*Storage} classes a persistent id may name. */
    private static final Set<String> STORAGE_TYPES = Set.of(
            "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
            "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage");
    private static final Set<String> ALLOWED = Set.of(
            "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter");
    private static final Object MARK = new Object();

    private final String source;
    private final ByteBuffer in;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private SafeUnpickler(String source, byte[] data) {
        this.source = source;
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Unpickles {@code data}; {@code source} names it in error messages (e.g.
     * {@code "model.pt: archive/data.pkl"}).
     */
    public static Object load(String source, byte[] data) {
        return new SafeUnpickler(source, data).run();
    }

    private Object run() {
        try {
            while (true) {
                int pos = in.position();
                int op = in.get() & 0xff;
                switch (op) {
                    case 0x80 -> { // PROTO
                        int proto = in.get() & 0xff;
                        if (proto < 2 || proto > 5) {
                            throw new UnsafePickleException(source + ": pickle protocol " + proto + " is not supported (2 to 5 are)");
                        }
                    }
                    case 0x95 -> in.getLong(); // FRAME: length only, data follows inline
                    case '.' -> { // STOP
                        if (stack.size() != 1) {
                            throw corrupt(pos, "STOP with " + stack.size() + " values on the stack");
                        }
                        return stack.get(0);
                    }
                    case '(' -> { // MARK
                        marks.add(stack.size());
                        stack.add(MARK);
                    }
                    case '}' -> stack.add(new LinkedHashMap<Object, Object>()); // EMPTY_DICT
                    case ']' -> stack.add(new ArrayList<>()); // EMPTY_LIST
                    case ')' -> stack.add(new Tuple(List.of())); // EMPTY_TUPLE
                    case 'N' -> stack.add(NONE);
                    case 0x88 -> stack.add(Boolean.TRUE); // NEWTRUE
                    case 0x89 -> stack.add(Boolean.FALSE); // NEWFALSE
                    case 'J' -> stack.add((long) in.getInt()); // BININT
                    case 'K' -> stack.add((long) (in.get() & 0xff)); // BININT1
                    case 'M' -> stack.add((long) (in.getShort() & 0xffff)); // BININT2
                    case 0x8a -> stack.add(readLong(in.get() & 0xff)); // LONG1
                    case 0x8b -> stack.add(readLong(lengthOf(in.getInt(), pos))); // LONG4
                    case 'G' -> stack.add(in.order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT (big-endian)
                    case 'X' -> stack.add(utf8(lengthOf(in.getInt(), pos))); // BINUNICODE
                    case 0x8c -> stack.add(utf8(in.get() & 0xff)); // SHORT_BINUNICODE
                    case 0x8d -> stack.add(utf8(lengthOf(in.getLong(), pos))); // BINUNICODE8
                    case 'T' -> stack.add(latin1(lengthOf(in.getInt(), pos))); // BINSTRING (py2 str)
                    case 'U' -> stack.add(latin1(in.get() & 0xff)); // SHORT_BINSTRING
                    case 'B' -> stack.add(bytes(lengthOf(in.getInt(), pos))); // BINBYTES
                    case 'C' -> stack.add(bytes(in.get() & 0xff)); // SHORT_BINBYTES
                    case 0x8e -> stack.add(bytes(lengthOf(in.getLong(), pos))); // BINBYTES8
                    case 0x96 -> stack.add(bytes(lengthOf(in.getLong(), pos))); // BYTEARRAY8
                    case 'q' -> memo.put((long) (in.get() & 0xff), peek(pos)); // BINPUT
                    case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek(pos)); // LONG_BINPUT
                    case 0x94 -> memo.put((long) memo.size(), peek(pos)); // MEMOIZE
                    case 'h' -> stack.add(memoGet(in.get() & 0xff, pos)); // BINGET
                    case 'j' -> stack.add(memoGet(in.getInt() & 0xffffffffL, pos)); // LONG_BINGET
                    case '0' -> pop(pos); // POP
                    case '1' -> popMark(pos); // POP_MARK
                    case '2' -> stack.add(peek(pos)); // DUP
                    case 't' -> stack.add(new Tuple(popMark(pos))); // TUPLE
                    case 0x85 -> stack.add(new Tuple(List.of(pop(pos)))); // TUPLE1
                    case 0x86 -> { // TUPLE2
                        Object b = pop(pos);
                        Object a = pop(pos);
                        stack.add(new Tuple(List.of(a, b)));
                    }
                    case 0x87 -> { // TUPLE3
                        Object c = pop(pos);
                        Object b = pop(pos);
                        Object a = pop(pos);
                        stack.add(new Tuple(List.of(a, b, c)));
                    }
                    case 'l' -> stack.add(new ArrayList<>(popMark(pos))); // LIST
                    case 'd' -> { // DICT
                        List<Object> items = popMark(pos);
                        Map<Object, Object> m = new LinkedHashMap<>();
                        putPairs(m, items, pos);
                        stack.add(m);
                    }
                    case 'a' -> { // APPEND
                        Object v = pop(pos);
                        asList(peek(pos), pos).add(v);
                    }
                    case 'e' -> { // APPENDS
                        List<Object> items = popMark(pos);
                        asList(peek(pos), pos).addAll(items);
                    }
                    case 's' -> { // SETITEM
                        Object v = pop(pos);
                        Object k = pop(pos);
                        asMap(peek(pos), pos).put(k, v);
                    }
                    case 'u' -> { // SETITEMS
                        List<Object> items = popMark(pos);
                        putPairs(asMap(peek(pos), pos), items, pos);
                    }
                    case 'c' -> { // GLOBAL "module\nname\n"
                        String module = line(pos);
                        String name = line(pos);
                        stack.add(global(module, name));
                    }
                    case 0x93 -> { // STACK_GLOBAL
                        Object name = pop(pos);
                        Object module = pop(pos);
                        if (!(module instanceof String m) || !(name instanceof String n)) {
                            throw corrupt(pos, "STACK_GLOBAL needs two strings");
                        }
                        stack.add(global(m, n));
                    }
                    case 'Q' -> stack.add(persistent(pop(pos), pos)); // BINPERSID
                    case 'R' -> { // REDUCE
                        Object args = pop(pos);
                        Object fn = pop(pos);
                        stack.add(reduce(fn, args, pos));
                    }
                    case 'b' -> { // BUILD: state for OrderedDict (e.g. _metadata); kept aside, never applied as code
                        Object state = pop(pos);
                        Object target = peek(pos);
                        if (!(target instanceof Map<?, ?>)) {
                            throw new UnsafePickleException(source + ": BUILD (object state) is only allowed on an OrderedDict, found "
                                    + describe(target) + " at byte " + pos);
                        }
                        if (!(state instanceof Map<?, ?>) && state != NONE && !(state instanceof Tuple)) {
                            throw corrupt(pos, "BUILD state of an OrderedDict must be a dict, found " + describe(state));
                        }
                    }
                    case 0x81, 0x92 -> throw new UnsafePickleException(source + ": pickle creates an object with "
                            + (op == 0x81 ? "NEWOBJ" : "NEWOBJ_EX") + " at byte " + pos
                            + "; a torch state dict never needs this, refusing");
                    case 'i', 'o', 0x82, 0x83, 0x84 -> throw new UnsafePickleException(source + ": pickle opcode 0x"
                            + Integer.toHexString(op) + " at byte " + pos + " (INST/OBJ/EXT) is not allowed in a state dict, refusing");
                    case 'P' -> throw new UnsafePickleException(source + ": text persistent id (PERSID) at byte " + pos
                            + " is not used by torch.save, refusing");
                    default -> throw new UnsafePickleException(source + ": unsupported pickle opcode 0x" + Integer.toHexString(op)
                            + " ('" + (char) op + "') at byte " + pos + " (only what torch.save state dicts use is allowed)");
                }
            }
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new TensorFormatException(source + ": pickle is truncated or corrupt (ran past the end at byte " + in.position()
                    + " of " + in.limit() + ")", e);
        } finally {
            in.order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private Object global(String module, String name) {
        String q = module + "." + name;
        if (ALLOWED.contains(q) || (module.equals("torch") && STORAGE_TYPES.contains(name))) {
            return new Global(module, name);
        }
        throw new UnsafePickleException(source + ": pickle references global '" + q + "'; only "
                + "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch.*Storage "
                + "are allowed (nothing is ever executed), refusing to load");
    }

    private Object persistent(Object pid, int pos) {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new UnsafePickleException(source + ": persistent id at byte " + pos + " is " + describe(pid)
                    + ", expected ('storage', torch.XStorage, key, location, numel)");
        }
        if (!(t.get(1) instanceof Global g) || !STORAGE_TYPES.contains(g.name())) {
            throw new UnsafePickleException(source + ": persistent id at byte " + pos + " names storage type " + describe(t.get(1)));
        }
        return new StorageRef(g.name(), String.valueOf(t.get(2)), String.valueOf(t.get(3)), asLong(t.get(4), pos));
    }

    private Object reduce(Object fn, Object args, int pos) {
        if (!(fn instanceof Global g)) {
            throw new UnsafePickleException(source + ": REDUCE at byte " + pos + " calls " + describe(fn) + ", refusing");
        }
        if (!(args instanceof Tuple a)) {
            throw corrupt(pos, "REDUCE arguments must be a tuple, found " + describe(args));
        }
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                if (a.size() != 0) {
                    throw new UnsafePickleException(source + ": OrderedDict(...) with arguments at byte " + pos + " is not supported");
                }
                return new LinkedHashMap<Object, Object>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (a.size() < 4 || !(a.get(0) instanceof StorageRef s)) {
                    throw corrupt(pos, "_rebuild_tensor_v2 expects (storage, offset, size, stride, ...), found " + describe(a));
                }
                boolean grad = a.size() > 4 && a.get(4) instanceof Boolean b && b;
                return new TensorRef(s, asLong(a.get(1), pos), longs(a.get(2), pos), longs(a.get(3), pos), grad);
            }
            case "torch._utils._rebuild_parameter" -> {
                if (a.size() < 1 || !(a.get(0) instanceof TensorRef t)) {
                    throw corrupt(pos, "_rebuild_parameter expects (tensor, requires_grad, hooks), found " + describe(a));
                }
                boolean grad = a.size() > 1 && a.get(1) instanceof Boolean b && b;
                return new TensorRef(t.storage(), t.storageOffset(), t.size(), t.stride(), grad);
            }
            default -> throw new UnsafePickleException(source + ": REDUCE at byte " + pos + " calls " + g.qualified()
                    + ", which is not a tensor-rebuild function, refusing");
        }
    }

    private long[] longs(Object o, int pos) {
        if (!(o instanceof Tuple t)) {
            throw corrupt(pos, "expected a tuple of ints, found " + describe(o));
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = asLong(t.get(i), pos);
        }
        return out;
    }

    private long asLong(Object o, int pos) {
        if (o instanceof Long l) {
            return l;
        }
        if (o instanceof BigInteger b) {
            return b.longValueExact();
        }
        throw corrupt(pos, "expected an int, found " + describe(o));
    }

    private Object readLong(int n) {
        byte[] b = new byte[n];
        in.get(b);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = b[n - 1 - i];
        }
        BigInteger v = new BigInteger(be); // two's complement, big-endian
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private int lengthOf(long n, int pos) {
        if (n < 0 || n > in.remaining()) {
            throw new TensorFormatException(source + ": pickle is truncated or corrupt: length " + n + " at byte " + pos
                    + " exceeds the " + in.remaining() + " bytes left");
        }
        return (int) n;
    }

    private String utf8(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private String latin1(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private String line(int pos) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte c = in.get();
            if (c == '\n') {
                return sb.toString();
            }
            if (sb.length() > 256) {
                throw corrupt(pos, "GLOBAL name longer than 256 bytes");
            }
            sb.append((char) (c & 0xff));
        }
    }

    private Object memoGet(long idx, int pos) {
        Object v = memo.get(idx);
        if (v == null) {
            throw corrupt(pos, "memo entry " + idx + " read before it was stored");
        }
        return v;
    }

    private Object pop(int pos) {
        if (stack.isEmpty()) {
            throw corrupt(pos, "stack underflow");
        }
        Object v = stack.remove(stack.size() - 1);
        if (v == MARK) {
            throw corrupt(pos, "unexpected MARK");
        }
        return v;
    }

    private Object peek(int pos) {
        if (stack.isEmpty()) {
            throw corrupt(pos, "stack underflow");
        }
        Object v = stack.get(stack.size() - 1);
        if (v == MARK) {
            throw corrupt(pos, "unexpected MARK");
        }
        return v;
    }

    private List<Object> popMark(int pos) {
        if (marks.isEmpty()) {
            throw corrupt(pos, "no MARK on the stack");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private void putPairs(Map<Object, Object> m, List<Object> items, int pos) {
        if (items.size() % 2 != 0) {
            throw corrupt(pos, "odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(items.get(i), items.get(i + 1));
        }
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o, int pos) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw corrupt(pos, "APPEND to " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o, int pos) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw corrupt(pos, "SETITEM on " + describe(o));
    }

    private TensorFormatException corrupt(int pos, String what) {
        return new TensorFormatException(source + ": corrupt pickle at byte " + pos + ": " + what);
    }

    private static String describe(Object o) {
        if (o instanceof Global g) {
            return "global " + g.qualified();
        }
        if (o instanceof Tuple t) {
            return "tuple of " + t.size();
        }
        if (o instanceof long[] l) {
            return Arrays.toString(l);
        }
        return o == null ? "null" : o.getClass().getSimpleName() + " " + String.valueOf(o).substring(0, Math.min(60, String.valueOf(o).length()));
    }
}
