/**
 * The peer host: a {@link PeerSession} wired to runtime messaging. It runs in
 * whatever context can hold an `RTCPeerConnection` for long: Chrome's offscreen
 * document now, Firefox's background page later. Pages reach it on their own
 * ports (`host-ports.ts`); the background by `runtime.sendMessage`, and it
 * broadcasts to the background only what the background acts on.
 */
import type { Peer, PeerOptions } from 'peerjs';
import * as v from 'valibot';
import { broadcast, requestBackground, serve, type RuntimeLike } from '../messaging';
import { PeerViewSchema, ShareViewSchema, type SessionCommand, type SessionState } from '../protocol/runtime';
import { sha256Fingerprint } from './certificate';
import type { MediaAccess } from './media';
import { HostPorts, type CommandOrigin, type PortRuntime } from './host-ports';
import { MessageBatcher } from './message-batcher';
import { PeerSession } from './peer-session';

/** How long a command waits for the session's settings before answering `not-ready`, in ms. */
export const READY_WAIT_MS = 5000;

/** How often the host asks again for settings while the background does not answer, in ms. */
const SETTINGS_RETRY_MS = 1000;

/**
 * Starts the peer host: answers session commands (pages' lines and the background's
 * messages), sends pages their events, and asks the background for its settings.
 *
 * @param createPeer `new Peer(id, options)` from `peerjs`, injectable for tests.
 * @returns the session and a function that stops the host.
 */
export function startPeerHost(
  runtime: RuntimeLike & PortRuntime,
  createPeer: (id: string, options: PeerOptions) => Peer,
  media?: MediaAccess,
  certificate?: RTCCertificate,
): { session: PeerSession; stop: () => void } {
  const fingerprint = certificate ? sha256Fingerprint(certificate) : undefined;
  /** Texts a page's command added, until their change goes out: that page gets them without the text. */
  const own = new Map<string, CommandOrigin>();
  let sendingFor: CommandOrigin | undefined;
  // Pages' lines: their commands, and the events each page shows.
  const pages = new HostPorts(runtime, (command, origin) => handle(command, origin));
  const batcher = new MessageBatcher((changes) => {
    pages.emitChanges(changes, session.messageCount, own);
    for (const change of changes) if (change.kind === 'added') own.delete(change.message.id);
    // The background wants only what it notifies of: texts received.
    const received = changes.filter((change) => change.kind === 'added' && change.message.direction === 'in');
    if (received.length > 0) void broadcast(runtime, { type: 'event/messages', changes: received, historyLength: session.messageCount });
  });
  const session = new PeerSession({
    createPeer,
    ...(media ? { media } : {}),
    ...(certificate ? { certificate } : {}),
    ...(fingerprint ? { fingerprint } : {}),
    onShareOffer: (share) => {
      pages.send({ type: 'line/share-offer', share });
      void broadcast(runtime, { type: 'event/share-offer', share });
    },
    onAccepted: (peerId, fingerprint) => void requestBackground(runtime, { type: 'background/accepted', peerId, fingerprint }),
    onConnectionRequest: (peerId) => {
      pages.send({ type: 'line/connection-request', peerId });
      void broadcast(runtime, { type: 'event/connection-request', peerId });
    },
    onState: (state) => {
      const valid = validEntries(state);
      pages.send({ type: 'line/state', state: valid });
      void broadcast(runtime, { type: 'event/state', state: valid });
    },
    onMessage: (message, added) => {
      if (added && sendingFor) own.set(message.id, sendingFor);
      batcher.add(
        added
          ? { kind: 'added', message }
          : { kind: 'status', id: message.id, status: message.status, ...(message.error ? { error: message.error } : {}) },
      );
    },
  });

  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const whenReady = (): Promise<boolean> =>
    session.configured
      ? Promise.resolve(true)
      : Promise.race([ready.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), READY_WAIT_MS))]);

  /** @param origin the page and command id, for a command that came on a page's line. */
  async function handle(command: SessionCommand, origin?: CommandOrigin): Promise<unknown> {
    if (command.type === 'session/configure') {
      session.configure(command.settings);
      markReady();
      return { ok: true };
    }
    if (!(await whenReady())) return { ok: false, error: 'not-ready' };
    switch (command.type) {
      case 'session/get-state':
        return {
          ok: true,
          state: validEntries(session.getState()),
          messageCount: session.messageCount,
          ...(command.messages === false ? {} : { messages: session.getMessages() }),
        };
      case 'session/connect':
        return session.connect(command.peerId);
      case 'session/disconnect':
        return session.disconnect(command.peerId);
      case 'session/forget':
        return session.forget(command.peerId);
      case 'session/send-text':
        // sendText adds the text to the history synchronously: that change is this page's own.
        sendingFor = origin;
        try {
          return session.sendText(command.peerId, command.text, command.keepOnFailure);
        } finally {
          sendingFor = undefined;
        }
      case 'session/retry-now':
        return session.retryNow();
      case 'session/answer-connection':
        return session.answerConnection(command.peerId, command.accept);
      case 'session/share-start': {
        const { type: _type, ...request } = command;
        return session.shares.start(request);
      }
      case 'session/share-stop':
        return session.shares.stop(command.shareId);
      case 'session/share-tab-closed':
        session.shares.stopTab(command.tabId);
        return { ok: true };
      case 'session/share-answer':
        return session.shares.answer(command.shareId, command.accept);
      case 'session/share-stats':
        return session.shares.stats(command.shareId);
      case 'session/link-stats':
        return session.linkStats(command.peerId);
    }
  }

  const unserve = serve(runtime, 'offscreen', (command) => handle(command));

  let settingsTimer: ReturnType<typeof setTimeout> | undefined;
  const loadSettings = async (): Promise<void> => {
    settingsTimer = undefined;
    if (session.configured) return;
    const reply = await requestBackground(runtime, { type: 'background/get-settings' });
    if (session.configured) return;
    if (reply.ok) {
      session.configure(reply.settings);
      markReady();
    } else {
      settingsTimer = setTimeout(() => void loadSettings(), SETTINGS_RETRY_MS);
    }
  };
  void loadSettings();

  return {
    session,
    stop: () => {
      if (settingsTimer !== undefined) clearTimeout(settingsTimer);
      unserve();
      pages.stop();
      batcher.stop();
      own.clear();
      session.destroy();
    },
  };
}

/**
 * The state without entries that fail their schema: one bad peer or share (a bug, or
 * input that slipped past validation) must not make every page lose the whole state.
 */
export function validEntries(state: SessionState): SessionState {
  const peers = state.peers.filter((peer) => v.safeParse(PeerViewSchema, peer).success);
  const shares = state.shares.filter((share) => v.safeParse(ShareViewSchema, share).success);
  if (peers.length !== state.peers.length || shares.length !== state.shares.length) {
    console.warn(`[secureconnect] left ${state.peers.length - peers.length} peer(s) and ${state.shares.length - shares.length} share(s) out of the state: invalid`);
  }
  return { ...state, peers, shares };
}
