/*
 * TxnReader.java: Java's consumer reading a topic for test_producer_txn.c, run with Java's
 * single-file launcher against Kafka's own client jars:
 *
 *   java -cp "$KFK_KAFKA_LIBS/*" TxnReader.java BOOTSTRAP TOPIC ISOLATION TIMEOUT_MS
 *
 * ISOLATION is read_committed or read_uncommitted. Assigns every partition of TOPIC from the
 * beginning (no group) and polls until its position reaches the end offsets the broker gives
 * for that isolation level (the last stable offset for read_committed), then prints each
 * record's value on its own line as "<partition>:<value>", in the order of each partition's
 * offsets, and "end <n>" last. Exits 1 if the end is not reached within TIMEOUT_MS.
 */
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

public class TxnReader {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", args[0]);
        p.put("isolation.level", args[2]);
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        long deadline = System.currentTimeMillis() + Long.parseLong(args[3]);
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(args[1], Duration.ofSeconds(30)))
                tps.add(new TopicPartition(args[1], pi.partition()));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
            while (true) {
                boolean done = true;
                for (TopicPartition tp : tps)
                    if (c.position(tp) < end.get(tp))
                        done = false;
                if (done)
                    break;
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("TxnReader: end offsets " + end + " not reached");
                    System.exit(1);
                }
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200)))
                    out.add(r.partition() + ":" + r.value());
            }
        }
        for (String s : out)
            System.out.println(s);
        System.out.println("end " + out.size());
    }
}
