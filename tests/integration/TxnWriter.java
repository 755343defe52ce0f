/*
 * TxnWriter.java: the transactional writer of test_consumer_reading.c's read_committed test, run
 * with Java's single-file launcher against Kafka's own client jars:
 *
 *   java -cp "$KFK_KAFKA_LIBS/*" TxnWriter.java BOOTSTRAP TOPIC PARTITIONS ROUNDS PER_TXN [HOLD_MS]
 *
 * Two transactional producers (transactional.id TOPIC-a and TOPIC-b) write interleaved
 * transactions into the same partitions; in each round one commits and the other aborts (the
 * roles alternate). Values say what became of their transaction: "commit:<p>:<round>:<i>" or
 * "abort:<p>:<round>:<i>" (p the partition), keys "a-<round>-<i>" or "b-<round>-<i>" (the
 * producer; a commits in even rounds). One non-transactional record "plain:<p>:<round>" follows
 * each round. Prints "committed N aborted M plain K" on stdout.
 *
 * With HOLD_MS, an open transaction follows: producer a writes PER_TXN records "open:<p>:<i>"
 * and flushes them, the plain producer writes one "after:<p>" record to each partition (behind
 * the open transaction, so above the last stable offset), "open" is printed, and after HOLD_MS
 * the transaction commits and "done" is printed.
 */
import java.util.Properties;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

public class TxnWriter {
    static KafkaProducer<String, String> producer(String bootstrap, String txnId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("linger.ms", "5");
        if (txnId != null) {
            p.put("transactional.id", txnId);
        } else {
            p.put("enable.idempotence", "true");
        }
        return new KafkaProducer<>(p);
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        int partitions = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        int perTxn = Integer.parseInt(args[4]);
        long holdMs = args.length > 5 ? Long.parseLong(args[5]) : -1;
        KafkaProducer<String, String> a = producer(bootstrap, topic + "-a");
        KafkaProducer<String, String> b = producer(bootstrap, topic + "-b");
        KafkaProducer<String, String> plain = producer(bootstrap, null);
        a.initTransactions();
        b.initTransactions();
        int committed = 0, aborted = 0, plains = 0;
        for (int r = 0; r < rounds; r++) {
            boolean aCommits = r % 2 == 0;
            a.beginTransaction();
            b.beginTransaction();
            for (int i = 0; i < perTxn; i++) {
                int part = i % partitions;
                String ka = "a-" + r + "-" + i, kb = "b-" + r + "-" + i;
                String va = (aCommits ? "commit:" : "abort:") + part + ":" + r + ":" + i;
                String vb = (aCommits ? "abort:" : "commit:") + part + ":" + r + ":" + i;
                a.send(new ProducerRecord<>(topic, part, ka, va));
                b.send(new ProducerRecord<>(topic, part, kb, vb));
                if (i % 3 == 0) {
                    a.flush();
                    b.flush();
                }
            }
            a.flush();
            b.flush();
            if (aCommits) {
                a.commitTransaction();
                b.abortTransaction();
            } else {
                b.commitTransaction();
                a.abortTransaction();
            }
            committed += perTxn;
            aborted += perTxn;
            Future<?> f = plain.send(new ProducerRecord<>(topic, r % partitions, "plain-" + r,
                                                          "plain:" + (r % partitions) + ":" + r));
            f.get();
            plains++;
        }
        System.out.println("committed " + committed + " aborted " + aborted + " plain " + plains);
        System.out.flush();
        if (holdMs >= 0) {
            a.beginTransaction();
            for (int i = 0; i < perTxn; i++) {
                int part = i % partitions;
                a.send(new ProducerRecord<>(topic, part, "a-open-" + i, "open:" + part + ":" + i));
            }
            a.flush();
            for (int part = 0; part < partitions; part++)
                plain.send(new ProducerRecord<>(topic, part, "after-" + part, "after:" + part))
                    .get();
            System.out.println("open");
            System.out.flush();
            Thread.sleep(holdMs);
            a.commitTransaction();
            System.out.println("done");
            System.out.flush();
        }
        a.close();
        b.close();
        plain.close();
    }
}
