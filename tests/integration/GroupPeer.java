/*
 * GroupPeer.java: a member of a consumer group made with Apache Kafka's own Java consumer, for
 * test_group_peers.c's interoperability test (a kfk member in the same group). Run with Java's
 * single-file launcher against Kafka's client jars:
 *
 *   java -cp "$KFK_KAFKA_LIBS/*" GroupPeer.java BOOTSTRAP GROUP TOPIC SECONDS [RECORDS [PROTOCOL]]
 *
 * It joins GROUP (classic protocol, range assignor, no auto commit, earliest when the group has
 * no offset; PROTOCOL consumer: the KIP-848 protocol with the broker's assignor, and every line
 * ends with the CLOCK_MONOTONIC time in ms, as kfk's test members log theirs; RECORDS -1: no
 * count), subscribes to TOPIC and polls for SECONDS seconds (or, with RECORDS, until it has
 * received that many records, SECONDS at most), committing (commitSync) after each poll that
 * returned records; then it closes, leaving the group. It also stops when the file named by the
 * environment variable GROUP_PEER_STOP exists (a test's "done": SECONDS is then only a bound, long
 * enough for a loaded machine). Stdout, one line each, in
 * the order they happened:
 *
 *   assigned P        partition P was assigned (rebalance listener)
 *   revoked P         partition P was revoked
 *   record P OFFSET   a record was received
 *   commitfailed MSG  a commitSync failed (the records stay uncommitted)
 *   closed            the consumer closed
 */
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class GroupPeer {
    static boolean stamp;

    static void say(String line) {
        /* System.nanoTime is CLOCK_MONOTONIC on Linux: comparable with the C tests' times. */
        System.out.println(stamp ? line + " " + System.nanoTime() / 1_000_000L : line);
        System.out.flush();
    }

    public static void main(String[] args) {
        String bootstrap = args[0], group = args[1], topic = args[2];
        long seconds = Long.parseLong(args[3]);
        long want = args.length > 4 ? Long.parseLong(args[4]) : -1, got = 0;
        boolean consumer = args.length > 5 && args[5].equals("consumer");
        stamp = consumer;
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", group);
        p.put("group.protocol", consumer ? "consumer" : "classic");
        if (!consumer)
            p.put("partition.assignment.strategy", RangeAssignor.class.getName());
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        /* Notice rebalances quickly (the default heartbeat is 3 s); the consumer protocol takes
         * both from the broker. */
        if (!consumer) {
            p.put("heartbeat.interval.ms", "500");
            p.put("session.timeout.ms", "10000");
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                    for (TopicPartition tp : parts)
                        say("revoked " + tp.partition());
                }

                public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    for (TopicPartition tp : parts)
                        say("assigned " + tp.partition());
                }
            });
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            String stopPath = System.getenv("GROUP_PEER_STOP");
            java.io.File stop =
                stopPath != null && !stopPath.isEmpty() ? new java.io.File(stopPath) : null;
            while (System.nanoTime() < end && (want < 0 || got < want)
                   && (stop == null || !stop.exists())) {
                ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(200));
                if (recs.isEmpty())
                    continue;
                for (ConsumerRecord<byte[], byte[]> r : recs) {
                    say("record " + r.partition() + " " + r.offset());
                    got++;
                }
                try {
                    c.commitSync();
                } catch (KafkaException e) {
                    say("commitfailed " + e);
                }
            }
        }
        say("closed");
    }
}
