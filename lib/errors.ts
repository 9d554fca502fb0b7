/**
 * Failure codes shared by every context. The peer host reports codes, never prose
 * (the offscreen document has no `i18n` API); the UI turns each into words with the
 * i18n key `error.<code>`.
 */
import * as v from 'valibot';

/** Every failure a user can be told about. */
export const ERROR_CODES = [
  /** The PeerServer cannot be reached (PeerJS `network`, `socket-error`, `socket-closed`, `server-error`). */
  'server-unreachable',
  /** Another session holds our peer ID on the PeerServer (PeerJS `unavailable-id`). */
  'id-taken',
  /** The PeerServer rejected our peer ID (PeerJS `invalid-id`). */
  'invalid-id',
  /** The PeerServer rejected the `key` (PeerJS `invalid-key`). */
  'invalid-key',
  /** `wss:` was asked for but the server does not speak TLS (PeerJS `ssl-unavailable`). */
  'ssl-unavailable',
  /** No peer with that ID is registered on the PeerServer (PeerJS `peer-unavailable`). */
  'peer-unavailable',
  /** The connection did not open in time. */
  'connect-timeout',
  /** WebRTC itself failed (PeerJS `webrtc`, ICE `failed`). */
  'webrtc',
  /** The TURN server refused our credentials (STUN error 401: wrong, or expired time-limited ones). */
  'turn-auth-failed',
  /** No configured TURN server answered, and relay-only mode allows nothing else. */
  'turn-unreachable',
  /** Relay-only mode is on but no TURN server is configured or fetched. */
  'relay-unconfigured',
  /** The PeerServer did not hand out TURN credentials (endpoint off, unreachable or malformed answer). */
  'turn-credentials-failed',
  /** The peer closed the connection or went away. */
  'peer-disconnected',
  /** The peer sent far more than the rate limits allow, so we closed the connection and do not dial back. */
  'peer-flooding',
  /** The peer's user did not accept the connection (declined, or did not answer in time). */
  'connection-declined',
  /** The peer has too many connection requests waiting for its user; try again later. */
  'peer-busy',
  /** The connection is not open, so nothing was sent. */
  'not-connected',
  /** One cannot connect to one's own peer ID. */
  'self-connect',
  /** The peer ID typed is not a valid peer ID. */
  'bad-peer-id',
  /** The text is larger than the protocol allows. */
  'text-too-long',
  /** There is no text to send. */
  'text-empty',
  /** This tab cannot be captured (chrome:// pages, the Web Store, other extensions' pages). */
  'capture-forbidden',
  /** Chrome refused to capture the tab (not invoked on it, or it is already being captured). */
  'capture-failed',
  /** There is no tab to share (the popup is not attached to a normal tab). */
  'no-tab',
  /** The microphone permission is refused or not yet granted to the extension. */
  'mic-denied',
  /** No microphone is available. */
  'no-mic',
  /** The peer's identity (DTLS fingerprint) is not the one pinned for its peer ID; nothing is exchanged until the user decides. */
  'identity-changed',
  /** The peer declined the share. */
  'share-declined',
  /** The share is not running (already ended, or unknown). */
  'no-share',
  /** The peer session is not running yet (settings not loaded). */
  'not-ready',
  /** A context did not answer (e.g. the offscreen document is being recreated). */
  'unavailable',
  /** Anything else; details go to the console. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorCodeSchema = v.picklist(ERROR_CODES);

/** An error that carries an {@link ErrorCode}. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = code,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}
