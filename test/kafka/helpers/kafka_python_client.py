"""kafka-python 2.0.2 (Debian python3-kafka) as a real client for test/kafka/kafka-python.test.ts.

Usage: kafka_python_client.py BOOTSTRAP TOPIC COUNT [SASL_USER SASL_PASSWORD]
Produces COUNT gzip records with acks=all, reads them back from the beginning without a group,
and prints one JSON line: the broker version kafka-python inferred, the produce offsets and
the values read. Every wait is bounded.
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
auth = {}
if len(sys.argv) > 5:
    auth = dict(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                sasl_plain_username=sys.argv[4], sasl_plain_password=sys.argv[5])

producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type="gzip",
                         request_timeout_ms=10000, max_block_ms=10000, **auth)
futures = [producer.send(topic, key=b"k%d" % (i % 3), value=b"py-%d" % i, partition=0) for i in range(count)]
offsets = [f.get(timeout=10).offset for f in futures]
inferred = ".".join(str(x) for x in producer.config["api_version"])
producer.close(timeout=10)

consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                         consumer_timeout_ms=5000, request_timeout_ms=11000,
                         session_timeout_ms=10000, **auth)
tp = TopicPartition(topic, 0)
consumer.assign([tp])
consumer.seek_to_beginning(tp)
values = []
for message in consumer:
    values.append(message.value.decode())
    if len(values) >= count:
        break
consumer.close()
print(json.dumps({"apiVersion": inferred, "offsets": offsets, "values": values}))
