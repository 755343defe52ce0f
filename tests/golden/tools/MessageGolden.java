import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;

/*
 * MessageGolden: golden request/response bodies for every API and version kfk speaks, written by
 * Kafka's own generated message classes (Kafka 4.3.1, used through their public API only).
 *
 *   javac -cp "$K/*" -d /tmp/mg MessageGolden.java
 *   java -cp "$K/*:/tmp/mg" MessageGolden generate tests/golden
 *   java -cp "$K/*:/tmp/mg" MessageGolden verify tests/golden KFK_DIR
 *
 * generate: for each API, version and direction, builds a JSON document from the version's
 * runtime Schema (every field present in that version gets a deterministic non-default value,
 * arrays get 2 elements, some nullable fields are null), lets <Name>DataJsonConverter.read build
 * the message, adds a few unknown tagged fields (flexible versions), and writes
 * <api>/v<N>/request.bin (the body, no header) and request.json (the converter's write output),
 * and the same for the response. The consumer protocol blobs go to
 * consumer_protocol/{subscription,assignment}_v<N>.{bin,json} (version-prefixed bytes).
 *
 * verify: for every golden file, parses KFK_DIR's file of the same name with Kafka's reader and
 * checks that it equals the message built from the golden .json (plus the same unknown tagged
 * fields): Java reads what kfk writes.
 */
public class MessageGolden {
    /* kfk's snake_case name, Kafka's message name, kfk's version range. */
    static final Object[][] APIS = {
        {"produce", "Produce", 3, 11},
        {"fetch", "Fetch", 4, 12},
        {"list_offsets", "ListOffsets", 1, 7},
        {"metadata", "Metadata", 0, 12},
        {"offset_commit", "OffsetCommit", 2, 9},
        {"offset_fetch", "OffsetFetch", 1, 7},
        {"find_coordinator", "FindCoordinator", 0, 3},
        {"join_group", "JoinGroup", 0, 7},
        {"heartbeat", "Heartbeat", 0, 4},
        {"leave_group", "LeaveGroup", 0, 4},
        {"sync_group", "SyncGroup", 0, 5},
        {"describe_groups", "DescribeGroups", 0, 6},
        {"list_groups", "ListGroups", 0, 5},
        {"sasl_handshake", "SaslHandshake", 0, 1},
        {"api_versions", "ApiVersions", 0, 3},
        {"create_topics", "CreateTopics", 2, 7},
        {"delete_topics", "DeleteTopics", 1, 6},
        {"init_producer_id", "InitProducerId", 0, 5},
        {"add_partitions_to_txn", "AddPartitionsToTxn", 0, 3},
        {"add_offsets_to_txn", "AddOffsetsToTxn", 0, 4},
        {"end_txn", "EndTxn", 0, 5},
        {"txn_offset_commit", "TxnOffsetCommit", 0, 5},
        {"sasl_authenticate", "SaslAuthenticate", 0, 2},
        {"delete_groups", "DeleteGroups", 0, 2},
        {"offset_delete", "OffsetDelete", 0, 0},
        {"describe_configs", "DescribeConfigs", 1, 4},
        {"incremental_alter_configs", "IncrementalAlterConfigs", 0, 1},
        {"create_partitions", "CreatePartitions", 0, 3},
        {"delete_records", "DeleteRecords", 0, 2},
        {"describe_cluster", "DescribeCluster", 0, 2},
        {"consumer_group_heartbeat", "ConsumerGroupHeartbeat", 0, 1},
        {"consumer_group_describe", "ConsumerGroupDescribe", 0, 1},
    };
    static final String[][] BLOBS = {
        {"subscription", "ConsumerProtocolSubscription"},
        {"assignment", "ConsumerProtocolAssignment"},
    };
    static final int BLOB_MAX_VERSION = 3;
    static final String PKG = "org.apache.kafka.common.message.";
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory NF = JsonNodeFactory.instance;

    /* ---- one golden document ------------------------------------------------------------ */

    /* What a golden file is: its message class, version, file stem and whether it is a blob. */
    static final class Golden {
        final String className;
        final short version;
        final Path stem; /* relative path without .bin/.json */
        final boolean blob;

        Golden(String className, int version, Path stem, boolean blob) {
            this.className = className;
            this.version = (short) version;
            this.stem = stem;
            this.blob = blob;
        }

        Class<?> dataClass() throws Exception {
            return Class.forName(PKG + className);
        }

        Class<?> converterClass() throws Exception {
            return Class.forName(PKG + className + "JsonConverter");
        }

        Message fromJson(JsonNode json) throws Exception {
            Method read = converterClass().getMethod("read", JsonNode.class, short.class);
            return (Message) read.invoke(null, json, version);
        }

        JsonNode toJson(Message m) throws Exception {
            Method write = converterClass().getMethod("write", dataClass(), short.class);
            return (JsonNode) write.invoke(null, m, version);
        }

        /* Kafka's reader over exactly these bytes; any bytes left over are an error. */
        Message parse(byte[] bytes) throws Exception {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            short v = version;
            if (blob) {
                v = buf.getShort();
                if (v != version)
                    throw new IllegalStateException("blob version " + v + ", expected " + version);
            }
            ByteBufferAccessor acc = new ByteBufferAccessor(buf);
            Message m = (Message) dataClass()
                            .getConstructor(org.apache.kafka.common.protocol.Readable.class,
                                            short.class)
                            .newInstance(acc, v);
            if (buf.hasRemaining())
                throw new IllegalStateException(buf.remaining() + " bytes left after the message");
            return m;
        }

        byte[] serialize(Message m) {
            if (blob)
                return MessageUtil.toVersionPrefixedBytes(version, m);
            ObjectSerializationCache cache = new ObjectSerializationCache();
            int size = m.size(cache, version);
            ByteBuffer buf = ByteBuffer.allocate(size);
            m.write(new ByteBufferAccessor(buf), cache, version);
            if (buf.hasRemaining())
                throw new IllegalStateException("size " + size + " but wrote " + buf.position());
            return buf.array();
        }

        boolean flexible() throws Exception {
            Schema s = schema();
            for (BoundField f : s.fields())
                if (f.def.type instanceof TaggedFields)
                    return true;
            return false;
        }

        Schema schema() throws Exception {
            Schema[] all = (Schema[]) dataClass().getField("SCHEMAS").get(null);
            if (version >= all.length || all[version] == null)
                throw new IllegalStateException(className + " has no version " + version);
            return all[version];
        }
    }

    static List<Golden> goldens() {
        List<Golden> out = new ArrayList<>();
        for (Object[] api : APIS) {
            String snake = (String) api[0], name = (String) api[1];
            for (int v = (Integer) api[2]; v <= (Integer) api[3]; v++) {
                Path dir = Paths.get(snake, "v" + v);
                out.add(new Golden(name + "RequestData", v, dir.resolve("request"), false));
                out.add(new Golden(name + "ResponseData", v, dir.resolve("response"), false));
            }
        }
        for (String[] b : BLOBS)
            for (int v = 0; v <= BLOB_MAX_VERSION; v++)
                out.add(new Golden(b[1], v, Paths.get("consumer_protocol", b[0] + "_v" + v), true));
        return out;
    }

    /* ---- building a JSON document from a Schema ------------------------------------------ */

    /* Fills values deterministically: a counter gives every scalar a distinct value. */
    static final class Filler {
        final Golden g;
        final IdentityHashMap<Schema, Class<?>> classes = new IdentityHashMap<>();
        final List<Class<?>> structClasses = new ArrayList<>();
        int counter;

        Filler(Golden g) throws Exception {
            this.g = g;
            collect(g.dataClass());
        }

        void collect(Class<?> c) throws Exception {
            try {
                Schema[] all = (Schema[]) c.getField("SCHEMAS").get(null);
                structClasses.add(c);
                for (Schema s : all)
                    if (s != null)
                        classes.put(s, c);
            } catch (NoSuchFieldException e) {
                /* not a struct class */
            }
            for (Class<?> inner : c.getDeclaredClasses())
                collect(inner);
        }

        /* The generated class of a struct Schema (NullableSchema copies: matched by fields). */
        Class<?> classOf(Schema s) throws Exception {
            Class<?> c = classes.get(s);
            if (c != null)
                return c;
            for (Class<?> k : structClasses) {
                Schema[] all = (Schema[]) k.getField("SCHEMAS").get(null);
                if (g.version < all.length && all[g.version] != null &&
                    fieldNames(all[g.version]).equals(fieldNames(s)))
                    return k;
            }
            throw new IllegalStateException("no class for schema " + s);
        }

        static List<String> fieldNames(Schema s) {
            List<String> n = new ArrayList<>();
            for (BoundField f : s.fields())
                n.add(f.def.name);
            return n;
        }

        /* The class of a struct Schema of any version. */
        Class<?> classOfAny(Schema s) throws Exception {
            Class<?> c = classes.get(s);
            if (c != null)
                return c;
            for (Class<?> k : structClasses)
                for (Schema ks : (Schema[]) k.getField("SCHEMAS").get(null))
                    if (ks != null && fieldNames(ks).equals(fieldNames(s)))
                        return k;
            throw new IllegalStateException("no class for schema " + s);
        }

        /* The default value of a field of a struct class (a fresh object's field). */
        Object defaultOf(Class<?> c, String camel) throws Exception {
            Object o = c.getConstructor().newInstance();
            java.lang.reflect.Field f = c.getDeclaredField(camel);
            f.setAccessible(true);
            return f.get(o);
        }

        ObjectNode struct(Schema s, String path) throws Exception {
            Class<?> c = classOf(s);
            ObjectNode o = NF.objectNode();
            for (BoundField bf : s.fields()) {
                if (bf.def.type instanceof TaggedFields) {
                    for (Map.Entry<Integer, Field> e :
                         ((TaggedFields) bf.def.type).fields().entrySet()) {
                        Field f = e.getValue();
                        String camel = camel(f.name);
                        o.set(camel, value(f.type, path + "." + camel, defaultOf(c, camel)));
                    }
                    continue;
                }
                String camel = camel(bf.def.name);
                o.set(camel, value(bf.def.type, path + "." + camel, defaultOf(c, camel)));
            }
            return o;
        }

        /* Null for about a third of (nullable field, version) pairs. */
        boolean wantNull(Type t, String path) {
            return t.isNullable() && Math.floorMod(path.hashCode() + g.version, 3) == 0;
        }

        JsonNode value(Type t, String path, Object dflt) throws Exception {
            if (wantNull(t, path))
                return NullNode.instance;
            int n = ++counter;
            if (t instanceof Schema)
                return struct((Schema) t, path);
            if (t.isArray()) {
                Type el = t.arrayElementType().get();
                ArrayNode a = NF.arrayNode();
                for (int i = 0; i < 2; i++)
                    a.add(el instanceof Schema ? struct((Schema) el, path + "[" + i + "]")
                                               : value(el, path + "[" + i + "]", null));
                return a;
            }
            if (t == Type.BOOLEAN)
                return BooleanNode.valueOf(dflt == null ? n % 2 == 0 : !((Boolean) dflt));
            if (t == Type.INT8)
                return IntNode.valueOf(pick(10 + n % 100, dflt));
            if (t == Type.INT16)
                return IntNode.valueOf(pick(1000 + n, dflt));
            if (t == Type.UINT16)
                return IntNode.valueOf(pick(40000 + n, dflt));
            if (t == Type.INT32)
                return IntNode.valueOf(pick(100000 + 7 * n, dflt));
            if (t == Type.UNSIGNED_INT32)
                return LongNode.valueOf(3000000000L + n);
            if (t == Type.INT64)
                return LongNode.valueOf((1L << 40) + 11L * n);
            if (t == Type.FLOAT64)
                return DoubleNode.valueOf(0.5 + n);
            if (t == Type.UUID)
                return TextNode.valueOf(new Uuid(0x0123456789abcdefL + n, 0x0fedcba987654321L * n)
                                            .toString());
            if (t == Type.STRING || t == Type.COMPACT_STRING || t == Type.NULLABLE_STRING ||
                t == Type.COMPACT_NULLABLE_STRING) {
                String leaf = path.substring(path.lastIndexOf('.') + 1).replaceAll("\\[.*", "");
                return TextNode.valueOf(leaf.substring(0, Math.min(leaf.length(), 8)) + n);
            }
            if (t == Type.BYTES || t == Type.COMPACT_BYTES || t == Type.NULLABLE_BYTES ||
                t == Type.COMPACT_NULLABLE_BYTES)
                return BinaryNode.valueOf(new byte[] {(byte) n, (byte) 0xab, (byte) 0xff, 0});
            if (t == Type.RECORDS || t == Type.COMPACT_RECORDS || t == Type.NULLABLE_RECORDS ||
                t == Type.COMPACT_NULLABLE_RECORDS)
                return BinaryNode.valueOf(new byte[] {'r', 'e', 'c', (byte) n, 0, 1, 2});
            throw new IllegalStateException("unhandled type " + t + " at " + path);
        }

        static int pick(int v, Object dflt) {
            if (dflt instanceof Number && ((Number) dflt).intValue() == v)
                return v + 1;
            return v;
        }
    }

    static String camel(String snake) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char ch : snake.toCharArray()) {
            if (ch == '_') {
                up = true;
                continue;
            }
            b.append(up ? Character.toUpperCase(ch) : ch);
            up = false;
        }
        return b.toString();
    }

    /* ---- unknown tagged fields ---------------------------------------------------------- */

    /* The tags a struct class uses in any version (so that unknown tags never collide). */
    static TreeSet<Integer> knownTags(Class<?> c) throws Exception {
        TreeSet<Integer> tags = new TreeSet<>();
        for (Schema s : (Schema[]) c.getField("SCHEMAS").get(null)) {
            if (s == null)
                continue;
            for (BoundField f : s.fields())
                if (f.def.type instanceof TaggedFields)
                    tags.addAll(((TaggedFields) f.def.type).fields().keySet());
        }
        return tags;
    }

    static int firstUnusedTag(Class<?> c) throws Exception {
        TreeSet<Integer> used = knownTags(c);
        int t = 0;
        while (used.contains(t))
            t++;
        return t;
    }

    /*
     * Adds unknown tagged fields (flexible versions only): two to the top-level struct (the
     * first tag no version of the struct uses, and 1000, whose varint takes two bytes) and one
     * to the first element of each top-level array of structs. Deterministic, so verify mode
     * adds the same ones to the message it builds from the .json.
     */
    static void addUnknownTags(Golden g, Message m) throws Exception {
        if (g.blob || !g.flexible())
            return;
        m.unknownTaggedFields().add(
            new RawTaggedField(firstUnusedTag(m.getClass()), new byte[] {0x7a, 0x01, 0x02}));
        m.unknownTaggedFields().add(new RawTaggedField(1000, new byte[] {}));
        java.lang.reflect.Field[] fields = m.getClass().getDeclaredFields();
        Arrays.sort(fields, (a, b) -> a.getName().compareTo(b.getName()));
        for (java.lang.reflect.Field f : fields) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers()))
                continue;
            f.setAccessible(true);
            Object v = f.get(m);
            if (!(v instanceof Collection) || ((Collection<?>) v).isEmpty())
                continue;
            Object first = ((Collection<?>) v).iterator().next();
            if (first instanceof Message) {
                Message e = (Message) first;
                e.unknownTaggedFields().add(
                    new RawTaggedField(firstUnusedTag(e.getClass()), new byte[] {0x55, 0x66}));
            }
        }
    }

    /* ---- records ------------------------------------------------------------------------ */

    static boolean isRecords(Type t) {
        return t == Type.RECORDS || t == Type.COMPACT_RECORDS || t == Type.NULLABLE_RECORDS ||
            t == Type.COMPACT_NULLABLE_RECORDS;
    }

    /*
     * The converter's write(data, version) renders every non-null RECORDS field as an empty
     * binary placeholder (it never serializes record batches into JSON). Put the field's bytes
     * there instead, taken from the generator's input document (same shape), so that the .json
     * describes the records too and converts back to the same message.
     */
    static void fixRecords(Type t, JsonNode out, JsonNode in) {
        if (out == null || in == null || out.isNull() || in.isNull())
            return;
        if (t instanceof Schema) {
            for (BoundField bf : ((Schema) t).fields()) {
                if (bf.def.type instanceof TaggedFields) {
                    for (Field f : ((TaggedFields) bf.def.type).fields().values())
                        fixField(f.type, camel(f.name), (ObjectNode) out, in);
                    continue;
                }
                fixField(bf.def.type, camel(bf.def.name), (ObjectNode) out, in);
            }
        } else if (t.isArray() && t.arrayElementType().get() instanceof Schema) {
            for (int i = 0; i < out.size() && i < in.size(); i++)
                fixRecords(t.arrayElementType().get(), out.get(i), in.get(i));
        }
    }

    static void fixField(Type t, String name, ObjectNode out, JsonNode in) {
        JsonNode o = out.get(name), i = in.get(name);
        if (o == null || i == null)
            return;
        if (isRecords(t)) {
            if (!o.isNull() && !i.isNull())
                out.set(name, i);
            return;
        }
        fixRecords(t, o, i);
    }

    /* ---- field descriptions -------------------------------------------------------------- */

    /*
     * What Kafka's runtime schemas say about every field of a message class, over all of the
     * message's versions, as a JSON tree keyed by camelCase field name:
     *   {"type": "int32" | "string" | "[]struct" | ..., "versions": [versions with the field],
     *    "nullable": [versions where it may be null], "tag": tag number or -1,
     *    "default": the field's default as the converter renders it,
     *    "fields": {...} for a struct or an array of structs (the element's fields)}
     * test_golden.c holds kfk's descriptor tables against it for kfk's version range: the
     * version ranges, nullability, tags and types field by field, and the defaults wherever
     * they are observable (fields some version lacks, which a decoder fills in, and tagged
     * fields, written only when not at their default).
     */
    static ObjectNode describe(Class<?> c, Filler filler) throws Exception {
        ObjectNode o = NF.objectNode();
        Object fresh = c.getConstructor().newInstance();
        Schema[] all = (Schema[]) c.getField("SCHEMAS").get(null);
        for (int v = 0; v < all.length; v++) {
            if (all[v] == null)
                continue;
            List<Field> fields = new ArrayList<>();
            List<Integer> tags = new ArrayList<>();
            for (BoundField bf : all[v].fields()) {
                if (bf.def.type instanceof TaggedFields) {
                    for (Map.Entry<Integer, Field> e :
                         ((TaggedFields) bf.def.type).fields().entrySet()) {
                        fields.add(e.getValue());
                        tags.add(e.getKey());
                    }
                } else {
                    fields.add(bf.def);
                    tags.add(-1);
                }
            }
            for (int i = 0; i < fields.size(); i++) {
                Field f = fields.get(i);
                String camel = camel(f.name);
                Type t = f.type;
                ObjectNode d = (ObjectNode) o.get(camel);
                if (d == null) {
                    d = NF.objectNode();
                    d.put("type", typeName(t));
                    d.set("versions", NF.arrayNode());
                    d.set("nullable", NF.arrayNode());
                    d.put("tag", tags.get(i));
                    java.lang.reflect.Field jf = c.getDeclaredField(camel);
                    jf.setAccessible(true);
                    Object dv = jf.get(fresh);
                    d.set("default", dv instanceof Message ? NF.objectNode() : renderDefault(dv));
                    Type el = t.isArray() ? t.arrayElementType().get() : null;
                    Schema sub = t instanceof Schema ? (Schema) t
                                 : el instanceof Schema ? (Schema) el : null;
                    if (sub != null)
                        d.set("fields", describe(filler.classOfAny(sub), filler));
                    o.set(camel, d);
                }
                if (!typeName(t).equals(d.get("type").asText()) || d.get("tag").asInt() != tags.get(i))
                    throw new IllegalStateException(c + "." + camel + " changes type or tag");
                ((ArrayNode) d.get("versions")).add(v);
                if (t.isNullable())
                    ((ArrayNode) d.get("nullable")).add(v);
            }
        }
        return o;
    }

    /* kfk's field kinds, lower case: "int32", "string", "[]struct", ... */
    static String typeName(Type t) {
        if (t instanceof Schema)
            return "struct";
        if (t.isArray())
            return "[]" + typeName(t.arrayElementType().get());
        if (t == Type.BOOLEAN)
            return "bool";
        if (t == Type.STRING || t == Type.COMPACT_STRING || t == Type.NULLABLE_STRING ||
            t == Type.COMPACT_NULLABLE_STRING)
            return "string";
        if (t == Type.BYTES || t == Type.COMPACT_BYTES || t == Type.NULLABLE_BYTES ||
            t == Type.COMPACT_NULLABLE_BYTES)
            return "bytes";
        if (isRecords(t))
            return "records";
        if (t == Type.UNSIGNED_INT32)
            return "uint32";
        return t.toString().toLowerCase();
    }

    static void writeFields(Path out) throws Exception {
        for (Object[] api : APIS) {
            ObjectNode o = NF.objectNode();
            for (String dir : new String[] {"Request", "Response"}) {
                Golden g = new Golden(api[1] + dir + "Data", (Integer) api[3], null, false);
                o.set(dir.toLowerCase(), describe(g.dataClass(), new Filler(g)));
            }
            Files.write(out.resolve((String) api[0]).resolve("fields.json"),
                        pretty(o).getBytes("UTF-8"));
        }
        ObjectNode o = NF.objectNode();
        for (String[] b : BLOBS) {
            Golden g = new Golden(b[1], BLOB_MAX_VERSION, null, true);
            o.set(b[0], describe(g.dataClass(), new Filler(g)));
        }
        Files.write(out.resolve("consumer_protocol").resolve("fields.json"),
                    pretty(o).getBytes("UTF-8"));
    }

    static JsonNode renderDefault(Object v) {
        if (v == null)
            return NullNode.instance;
        if (v instanceof Boolean)
            return BooleanNode.valueOf((Boolean) v);
        if (v instanceof Double)
            return DoubleNode.valueOf((Double) v);
        if (v instanceof Long)
            return LongNode.valueOf((Long) v);
        if (v instanceof Number)
            return IntNode.valueOf(((Number) v).intValue());
        if (v instanceof String)
            return TextNode.valueOf((String) v);
        if (v instanceof Uuid)
            return TextNode.valueOf(v.toString());
        if (v instanceof byte[])
            return BinaryNode.valueOf((byte[]) v);
        if (v instanceof Collection) {
            ArrayNode a = NF.arrayNode();
            for (Object e : (Collection<?>) v)
                a.add(renderDefault(e));
            return a;
        }
        /* records: a default is null or empty */
        return TextNode.valueOf("");
    }


    /* ---- modes -------------------------------------------------------------------------- */

    static String pretty(JsonNode n) throws Exception {
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n";
    }

    static void generate(Path out) throws Exception {
        int count = 0;
        for (Golden g : goldens()) {
            Filler filler = new Filler(g);
            JsonNode in = filler.struct(g.schema(), "");
            Message m = g.fromJson(in);
            addUnknownTags(g, m);
            byte[] bytes = g.serialize(m);
            JsonNode json = g.toJson(m);
            fixRecords(g.schema(), json, in);
            /* Self-check: Kafka reads its own bytes back into an equal message, and the JSON
             * converts back to the same message. */
            if (!g.parse(bytes).equals(m))
                throw new IllegalStateException(g.stem + ": Kafka's reader disagrees");
            Message back = g.fromJson(json);
            addUnknownTags(g, back);
            if (!back.equals(m))
                throw new IllegalStateException(g.stem + ": JSON round trip disagrees");
            Path bin = out.resolve(g.stem + ".bin"), js = out.resolve(g.stem + ".json");
            Files.createDirectories(bin.getParent());
            Files.write(bin, bytes);
            Files.write(js, pretty(json).getBytes("UTF-8"));
            count++;
        }
        writeFields(out);
        System.out.println("wrote " + count + " golden messages (.bin + .json) and the field " +
                           "descriptions (<api>/fields.json) under " + out);
    }

    static int verify(Path golden, Path kfk) throws Exception {
        int ok = 0, bad = 0, missing = 0, sameBytes = 0;
        for (Golden g : goldens()) {
            Path js = golden.resolve(g.stem + ".json");
            Path kb = kfk.resolve(g.stem + ".bin");
            if (!Files.exists(js))
                continue;
            if (!Files.exists(kb)) {
                System.out.println("MISSING " + g.stem + ": no kfk encoding");
                missing++;
                continue;
            }
            try {
                Message expected = g.fromJson(MAPPER.readTree(js.toFile()));
                addUnknownTags(g, expected);
                byte[] kbytes = Files.readAllBytes(kb);
                Message actual = g.parse(kbytes);
                if (!actual.equals(expected)) {
                    System.out.println("DIFFERENT " + g.stem + ":\n  expected " + expected +
                                       "\n  kfk      " + actual);
                    bad++;
                    continue;
                }
                Path gb = golden.resolve(g.stem + ".bin");
                if (Files.exists(gb) && Arrays.equals(Files.readAllBytes(gb), kbytes))
                    sameBytes++;
                ok++;
            } catch (Exception e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                System.out.println("FAILED " + g.stem + ": " + c);
                bad++;
            }
        }
        System.out.println("verify: " + ok + " kfk encodings parsed by Kafka and equal to the " +
                           "golden message (" + sameBytes + " byte-identical to Kafka's), " + bad +
                           " different or unreadable, " + missing + " missing");
        return bad == 0 && missing == 0 ? 0 : 1;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("generate")) {
            generate(Paths.get(args[1]));
            return;
        }
        if (args.length == 3 && args[0].equals("verify")) {
            System.exit(verify(Paths.get(args[1]), Paths.get(args[2])));
            return;
        }
        System.err.println("usage: MessageGolden generate GOLDEN_DIR\n" +
                           "       MessageGolden verify GOLDEN_DIR KFK_DIR");
        System.exit(2);
    }
}
