/**
 * A process that takes action attempts from a Redis work queue and never finishes them, until it is
 * killed: the lease test's dying worker. Arguments: Redis URL, key prefix, lease ms, sealing key (hex). Prints "took <idempotency key>" for each attempt it takes.
 */
import { RedisWorkQueue } from '../../src/queue/redis-queue.ts';
import { SecretBox } from '../../src/security/secret-box.ts';

const [url, prefix, leaseMs, keyHex] = process.argv.slice(2);
const box = new SecretBox({ id: 'test', key: Buffer.from(keyHex!, 'hex') });
const queue = new RedisWorkQueue({
  url: url!,
  prefix: prefix!,
  leaseMs: Number(leaseMs),
  seal: (plaintext) => box.seal(plaintext),
  open: (sealed) => box.open(sealed),
  onError: () => undefined,
});
queue.process(async (job) => {
  process.stdout.write(`took ${job.idempotencyKey}\n`);
  await new Promise(() => undefined);
}, 4);
