/**
 * A malicious signaling server for tests: a WebSocket proxy in front of a real
 * PeerServer that, once armed, hands A's connections to B over to an attacker
 * peer ("mallory") and presents the attacker to B as A. This is what a
 * compromised PeerServer can do; the verification codes and pinned identities
 * must expose it. Loopback only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

interface Message {
  type?: string;
  src?: string;
  dst?: string;
}

export interface MitmProxy {
  port: number;
  /** From now on, A ↔ B signaling goes to and comes from `mallory`, disguised. */
  arm(victims: { a: string; b: string; mallory: string }): void;
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port, forwarding to the PeerServer at `upstreamPort`. */
export async function startMitmProxy(upstreamPort: number): Promise<MitmProxy> {
  let attack: { a: string; b: string; mallory: string } | undefined;
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  const sockets = new Set<WebSocket>();

  wss.on('connection', (client, request) => {
    const url = new URL(request.url ?? '/', 'ws://x');
    const clientId = url.searchParams.get('id') ?? '';
    const upstream = new WebSocket(`ws://127.0.0.1:${upstreamPort}${url.pathname}${url.search}`);
    sockets.add(client).add(upstream);
    const pending: RawData[] = [];

    const rewrite = (raw: RawData, direction: 'up' | 'down'): string => {
      const text = raw.toString();
      if (!attack) return text;
      let message: Message;
      try {
        message = JSON.parse(text) as Message;
      } catch {
        return text;
      }
      const { a, b, mallory } = attack;
      if (direction === 'up') {
        // A or B addressing the other goes to mallory instead.
        if ((clientId === a && message.dst === b) || (clientId === b && message.dst === a)) message.dst = mallory;
      } else if (message.src === mallory) {
        // Mallory speaks to each victim under the other victim's name.
        if (clientId === a) message.src = b;
        else if (clientId === b) message.src = a;
      }
      return JSON.stringify(message);
    };

    client.on('message', (raw) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(rewrite(raw, 'up'));
      else pending.push(raw);
    });
    upstream.on('open', () => {
      for (const raw of pending.splice(0)) upstream.send(rewrite(raw, 'up'));
    });
    upstream.on('message', (raw) => {
      if (client.readyState === WebSocket.OPEN) client.send(rewrite(raw, 'down'));
    });
    const closeBoth = (): void => {
      client.close();
      upstream.close();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    arm: (victims) => {
      attack = victims;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.terminate();
        wss.close();
        server.close(() => done());
      }),
  };
}
