/**
 * `npm run server`: starts the signaling server. Flags win over environment
 * variables, which win over defaults:
 *
 *   --host  SC_HOST       (127.0.0.1)
 *   --port  SC_PORT       (9000)
 *   --path  SC_PATH       (/peerjs)
 *   --key   SC_KEY        (peerjs)
 *   --tls-cert SC_TLS_CERT, --tls-key SC_TLS_KEY   PEM files; serve https/wss
 *   --redis SC_REDIS_URL  redis://[user:password@]host:port: instances that share it act as one
 *                         service (server/cluster/); absent, this process is on its own
 *   --max-peers SC_MAX_PEERS  peers this process holds at most (5000, PeerServer's concurrent_limit)
 *   SC_ACCESS_TOKEN  only clients whose path ends in /<token> can register (environment only,
 *                    so it does not show in the process list)
 *   SC_HEALTH_TOKEN  GET /health adds the peer count and uptime for `Authorization: Bearer <token>`
 *                    (environment only); without it /health says only {"ok":true}
 *
 * Time-limited TURN credentials (GET <path>/turn-credentials?peerId=ID&token=TOKEN, beside the WebSocket,
 * for the client registered now as ID with PeerServer token TOKEN), environment only:
 *   SC_TURN_SECRET  coturn's static-auth-secret; enables the endpoint
 *   SC_TURN_URLS    comma-separated turn:/turns: URLs handed out with the credentials
 *   SC_TURN_TTL     lifetime in seconds (86400)
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SERVER_OPTIONS, mountPath, startSignalingServer } from './signaling';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    path: { type: 'string' },
    key: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    redis: { type: 'string' },
    'max-peers': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log('Usage: npm run server -- [--host 127.0.0.1] [--port 9000] [--path /peerjs] [--key peerjs] [--tls-cert cert.pem --tls-key key.pem] [--redis redis://host:6379] [--max-peers 5000]');
  process.exit(0);
}

const env = process.env;
const host = values.host ?? env.SC_HOST ?? DEFAULT_SERVER_OPTIONS.host;
const port = Number(values.port ?? env.SC_PORT ?? DEFAULT_SERVER_OPTIONS.port);
const path = values.path ?? env.SC_PATH ?? DEFAULT_SERVER_OPTIONS.path;
const key = values.key ?? env.SC_KEY ?? DEFAULT_SERVER_OPTIONS.key;
const certFile = values['tls-cert'] ?? env.SC_TLS_CERT;
const keyFile = values['tls-key'] ?? env.SC_TLS_KEY;
const redisUrl = values.redis ?? (env.SC_REDIS_URL || undefined);
const maxPeers = values['max-peers'] ?? env.SC_MAX_PEERS;

const accessToken = env.SC_ACCESS_TOKEN || undefined;
if (accessToken && !/^[A-Za-z0-9_-]{16,128}$/.test(accessToken)) {
  console.error('SC_ACCESS_TOKEN must be 16 to 128 letters, digits, - or _.');
  process.exit(2);
}
const healthToken = env.SC_HEALTH_TOKEN || undefined;
if (healthToken && !/^[A-Za-z0-9_-]{16,128}$/.test(healthToken)) {
  console.error('SC_HEALTH_TOKEN must be 16 to 128 letters, digits, - or _.');
  process.exit(2);
}
const turnSecret = env.SC_TURN_SECRET;
const turnTtl = Number(env.SC_TURN_TTL ?? 86_400);
const turnUrls = (env.SC_TURN_URLS ?? '').split(',').map((url) => url.trim()).filter(Boolean);
if (turnSecret && (!Number.isInteger(turnTtl) || turnTtl <= 0 || turnUrls.length === 0)) {
  console.error('TURN credentials need SC_TURN_URLS (comma-separated) and a positive whole SC_TURN_TTL in seconds.');
  process.exit(2);
}

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid port: ${String(values.port ?? env.SC_PORT)}`);
  process.exit(2);
}
if (!path.startsWith('/')) {
  console.error(`Invalid path (must start with /): ${path}`);
  process.exit(2);
}
if (redisUrl !== undefined && !/^rediss?:\/\/./.test(redisUrl)) {
  console.error('--redis / SC_REDIS_URL must be a redis:// or rediss:// URL.');
  process.exit(2);
}
if (maxPeers !== undefined && !(Number.isInteger(Number(maxPeers)) && Number(maxPeers) > 0)) {
  console.error(`Invalid --max-peers / SC_MAX_PEERS (a positive whole number): ${maxPeers}`);
  process.exit(2);
}
if (Boolean(certFile) !== Boolean(keyFile)) {
  console.error('TLS needs both --tls-cert and --tls-key.');
  process.exit(2);
}

try {
  const server = await startSignalingServer({
    host,
    port,
    path,
    key,
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
    ...(accessToken ? { accessToken } : {}),
    ...(healthToken ? { healthToken } : {}),
    ...(turnSecret ? { turn: { secret: turnSecret, ttlSeconds: turnTtl, urls: turnUrls } } : {}),
    ...(redisUrl ? { cluster: { redisUrl } } : {}),
    ...(maxPeers !== undefined ? { maxPeers: Number(maxPeers) } : {}),
  });
  if (turnSecret) console.log(`TURN credentials: ${server.url}${mountPath(path, accessToken ? '<token>' : undefined).replace(/\/+$/, '')}/turn-credentials?peerId=ID&token=TOKEN (${turnTtl} s, ${turnUrls.join(', ')})`);
  const ws = server.url.replace(/^http/, 'ws');
  console.log(`PeerServer listening on ${ws}${path} (key "${key}"); health: ${server.url}/health${healthToken ? ' (counts with the health token)' : ''}`);
  if (accessToken) console.log(`Access token set: clients must use the path ${mountPath(path, '<token>')}`);
  const stop = (): void => {
    console.log('Stopping PeerServer.');
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') console.error(`Port ${port} on ${host} is in use. Is a PeerServer already running? Use --port to pick another.`);
  else console.error('Could not start the PeerServer:', error);
  process.exit(1);
}
