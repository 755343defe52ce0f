import java.io.*;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

/*
 * Compresses and decompresses with Kafka's own codec classes (kafka-clients 4.3.1:
 * org.apache.kafka.common.compress.*, the code a Java producer and consumer run for magic 2).
 *
 *   K=~/.cache/kfk/kafka-4.3.1/libs
 *   javac -cp "$K/*" -d /tmp/cg tests/golden/tools/CompressGolden.java
 *   java -cp "$K/*:/tmp/cg" CompressGolden generate tests/golden/compress
 *       writes plain-<name>.bin (the inputs) and <codec>-<name>.bin (Java's compressed bytes)
 *   java -cp "$K/*:/tmp/cg" CompressGolden verify DIR
 *       decompresses every <codec>-<name>.bin in DIR with Java and compares it to
 *       plain-<name>.bin; prints one line per file, exits 1 on any mismatch or error.
 */
public class CompressGolden {
    static final String[] CODECS = {"gzip", "snappy", "lz4", "zstd"};
    static final byte MAGIC = 2;

    static Compression codec(String name) {
        switch (name) {
            case "gzip": return Compression.gzip().build();
            case "snappy": return Compression.snappy().build();
            case "lz4": return Compression.lz4().build();
            case "zstd": return Compression.zstd().build();
            default: throw new IllegalArgumentException(name);
        }
    }

    /* 100 KiB: text-like runs (compressible) with a pseudo-random 1 KiB stretch every 4 KiB,
     * so every codec writes several blocks and both compressed and stored ones. */
    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        long x = 0x2545F4914F6CDD1DL;
        for (int i = 0; i < n; i++) {
            if ((i / 1024) % 4 == 3) {
                x ^= x << 13; x ^= x >>> 7; x ^= x << 17;
                b[i] = (byte) x;
            } else {
                String w = "kafka-record-" + (i / 96) + ";";
                b[i] = (byte) w.charAt(i % w.length());
            }
        }
        return b;
    }

    static byte[] compress(String codec, byte[] in) throws IOException {
        ByteBufferOutputStream bbos = new ByteBufferOutputStream(64);
        try (OutputStream os = codec(codec).wrapForOutput(bbos, MAGIC)) {
            os.write(in);
        }
        ByteBuffer buf = bbos.buffer();
        buf.flip();
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    static byte[] decompress(String codec, byte[] in) throws IOException {
        try (InputStream is = codec(codec).wrapForInput(ByteBuffer.wrap(in), MAGIC,
                BufferSupplier.create())) {
            return is.readAllBytes();
        }
    }

    public static void main(String[] a) throws Exception {
        if (a.length != 2 || !(a[0].equals("generate") || a[0].equals("verify"))) {
            System.err.println("usage: CompressGolden generate|verify DIR");
            System.exit(2);
        }
        Path dir = Paths.get(a[1]);
        if (a[0].equals("generate")) {
            Map<String, byte[]> inputs = new LinkedHashMap<>();
            inputs.put("empty", new byte[0]);
            inputs.put("hello", "hello kafka".getBytes(StandardCharsets.US_ASCII));
            inputs.put("pattern100k", pattern(100 * 1024));
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> e : inputs.entrySet()) {
                Files.write(dir.resolve("plain-" + e.getKey() + ".bin"), e.getValue());
                for (String c : CODECS) {
                    byte[] z = compress(c, e.getValue());
                    if (!Arrays.equals(decompress(c, z), e.getValue()))
                        throw new IllegalStateException(c + " does not round-trip " + e.getKey());
                    Files.write(dir.resolve(c + "-" + e.getKey() + ".bin"), z);
                    System.out.println("wrote " + c + "-" + e.getKey() + ".bin (" + z.length + " bytes)");
                }
            }
            return;
        }
        int ok = 0, bad = 0;
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.bin")) {
            for (Path p : ds) files.add(p);
        }
        Collections.sort(files);
        for (Path p : files) {
            String f = p.getFileName().toString();
            int dash = f.indexOf('-');
            String c = dash > 0 ? f.substring(0, dash) : "";
            if (!Arrays.asList(CODECS).contains(c)) continue;
            String name = f.substring(dash + 1, f.length() - 4);
            byte[] plain = Files.readAllBytes(dir.resolve("plain-" + name + ".bin"));
            try {
                byte[] got = decompress(c, Files.readAllBytes(p));
                if (Arrays.equals(got, plain)) {
                    System.out.println("OK   " + f + " -> " + got.length + " bytes");
                    ok++;
                } else {
                    System.out.println("DIFF " + f + " -> " + got.length + " bytes, want " + plain.length);
                    bad++;
                }
            } catch (Exception e) {
                System.out.println("FAIL " + f + ": " + e);
                bad++;
            }
        }
        System.out.println(ok + " ok, " + bad + " failed");
        System.exit(bad == 0 && ok > 0 ? 0 : 1);
    }
}
