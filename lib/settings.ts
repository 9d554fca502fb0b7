/**
 * User settings: what they are, their defaults, and how they are validated.
 *
 * Validation messages are problem codes (such as `port-range`), not prose: the
 * options page turns each code into words through i18n.
 */
import * as v from 'valibot';
import { isPeerId } from './ids';
import { copyRecord, hasOwnKey, ownValue } from './own-record';

/** Where the PeerServer (signaling server) is. Defaults to the one `npm run server` starts. */
export interface SignalingSettings {
  /** Host name or IP address, without scheme. */
  host: string;
  /** TCP port, 1 to 65535. */
  port: number;
  /** Path the PeerServer is mounted on, starting with `/` (PeerJS adds `peerjs` itself). */
  path: string;
  /** Use `wss:`/`https:` instead of `ws:`/`http:`. */
  secure: boolean;
  /** PeerServer `key`: a namespace, not a secret (anyone can read it from the extension). */
  key: string;
}

/**
 * One ICE server as in the WebRTC `RTCIceServer` dictionary
 * (https://www.w3.org/TR/webrtc/#rtciceserver-dictionary), one URL per entry.
 */
export interface IceServerSetting {
  /** `stun:`, `turn:` or `turns:` URL (RFC 7064, RFC 7065). */
  url: string;
  /** TURN username; required for `turn:` and `turns:` URLs. */
  username?: string;
  /** TURN password; required for `turn:` and `turns:` URLs. */
  credential?: string;
}

/** Everything the peer host needs to register and connect. */
export interface SessionSettings {
  /** This user's peer ID. */
  peerId: string;
  /** Name sent to peers in the `hello` message; may be empty. */
  displayName: string;
  signaling: SignalingSettings;
  /**
   * Other PeerServers, tried in order when the current one cannot be reached: instances
   * of one cluster (docs/self-hosting.md), with the same key. At most {@link MAX_FALLBACK_SERVERS}.
   * Absent means none.
   */
  fallbackServers?: SignalingSettings[];
  /** ICE servers for every connection; empty means host candidates only (same machine or LAN). */
  iceServers: IceServerSetting[];
  /**
   * Relay only: `iceTransportPolicy: 'relay'`, so only TURN relay candidates are used and
   * the peer never learns our IP addresses (https://www.w3.org/TR/webrtc/#rtcicetransportpolicy-enum).
   * Absent means off.
   */
  relayOnly?: boolean;
  /**
   * Fetch time-limited TURN credentials from the PeerServer's
   * `<path>/turn-credentials` endpoint (see `server/`) and use them with `iceServers`.
   * Absent means off.
   */
  turnFromServer?: boolean;
  /**
   * Pinned identities: peer ID → SHA-256 DTLS fingerprint (upper-case hex pairs) of
   * peers whose verification code the user confirmed. A connection from a pinned
   * peer ID with another fingerprint is held until the user decides.
   */
  pins: Record<string, string>;
  /** Peer IDs that connect without asking (pinned peers do too). */
  trusted: string[];
  /** Peer IDs refused without asking. */
  blocked: string[];
  /**
   * Peers our user accepted while this browser runs: peer ID → the SHA-256 fingerprint
   * they connected with. Such a peer connects again without asking while it offers that
   * identity, also to a peer host started anew. Absent means none.
   */
  accepted?: Record<string, string>;
}

/** Default PeerServer: the local one from `npm run server`. */
export const DEFAULT_SIGNALING: SignalingSettings = {
  host: '127.0.0.1',
  port: 9000,
  path: '/peerjs',
  secure: false,
  key: 'peerjs',
};

/** Most {@link SessionSettings.fallbackServers}. */
export const MAX_FALLBACK_SERVERS = 8;

/** Longest display name, in characters. */
export const DISPLAY_NAME_MAX_LENGTH = 64;

const HOST_PATTERN = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;
const PATH_PATTERN = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Valibot schema of {@link SignalingSettings}; messages are problem codes. */
export const SignalingSettingsSchema = v.object({
  host: v.pipe(v.string(), v.trim(), v.nonEmpty('host-empty'), v.regex(HOST_PATTERN, 'host-invalid')),
  port: v.pipe(v.number('port-range'), v.integer('port-range'), v.minValue(1, 'port-range'), v.maxValue(65535, 'port-range')),
  path: v.pipe(v.string(), v.trim(), v.regex(PATH_PATTERN, 'path-invalid')),
  secure: v.boolean(),
  key: v.pipe(v.string(), v.trim(), v.regex(KEY_PATTERN, 'key-invalid')),
});

/** Checks one ICE server URL; returns a problem code or `undefined` when valid. */
export function iceUrlProblem(url: string): string | undefined {
  // RFC 7064 (stun/stuns) and RFC 7065 (turn/turns): scheme:host[:port][?transport=udp|tcp]
  const match = /^(stuns?|turns?):(\[[0-9a-fA-F:.]+\]|[^\s:?/[\]]+)(?::(\d{1,5}))?(\?transport=(udp|tcp))?$/.exec(url);
  if (!match) return 'ice-url-invalid';
  const [, scheme, , port, query] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return 'ice-url-invalid';
  if (query && scheme!.startsWith('stun')) return 'ice-url-invalid';
  return undefined;
}

/** Valibot schema of {@link IceServerSetting}; TURN entries must carry credentials. */
export const IceServerSettingSchema = v.pipe(
  v.object({
    url: v.pipe(v.string(), v.trim()),
    username: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(256, 'ice-username-long'))),
    credential: v.optional(v.pipe(v.string(), v.maxLength(256, 'ice-credential-long'))),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { url, username, credential } = dataset.value;
    const problem = iceUrlProblem(url);
    if (problem) addIssue({ message: problem, path: [{ type: 'object', origin: 'value', input: dataset.value, key: 'url', value: url }] });
    else if (url.startsWith('turn') && (!username || !credential)) addIssue({ message: 'ice-turn-credentials' });
  }),
);

/** SHA-256 DTLS fingerprint: 32 upper-case hex pairs joined by `:`. */
export const FINGERPRINT_PATTERN = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

/**
 * {@link SessionSettings.pins}: checked entry by entry like `v.record`, but every
 * own key is kept (`v.record` silently drops `constructor`, a valid peer ID) and
 * the output has no prototype, so `in` and `[]` never answer from `Object.prototype`.
 */
const PinsSchema = v.pipe(
  v.custom<Record<string, string>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input), 'pins-invalid'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const pins = dataset.value;
    for (const [key, value] of Object.entries(pins)) {
      const problem = !isPeerId(key) ? 'peer-id-invalid' : typeof value !== 'string' || !FINGERPRINT_PATTERN.test(value) ? 'fingerprint-invalid' : undefined;
      if (problem) addIssue({ message: problem, path: [{ type: 'object', origin: 'value', input: pins, key, value }] });
    }
  }),
  v.check((pins) => Object.keys(pins).length <= 1000, 'pins-too-many'),
  v.transform((pins) => copyRecord(pins)),
);

/** Valibot schema of {@link SessionSettings}. */
export const SessionSettingsSchema = v.object({
  peerId: v.pipe(v.string(), v.trim(), v.check(isPeerId, 'peer-id-invalid')),
  displayName: v.pipe(v.string(), v.trim(), v.maxLength(DISPLAY_NAME_MAX_LENGTH, 'display-name-long')),
  signaling: SignalingSettingsSchema,
  fallbackServers: v.optional(v.pipe(v.array(SignalingSettingsSchema), v.maxLength(MAX_FALLBACK_SERVERS, 'servers-too-many'))),
  iceServers: v.pipe(v.array(IceServerSettingSchema), v.maxLength(16, 'ice-too-many')),
  relayOnly: v.optional(v.boolean()),
  turnFromServer: v.optional(v.boolean()),
  pins: PinsSchema,
  trusted: v.pipe(v.array(v.pipe(v.string(), v.check(isPeerId, 'peer-id-invalid'))), v.maxLength(1000, 'trusted-too-many')),
  blocked: v.pipe(v.array(v.pipe(v.string(), v.check(isPeerId, 'peer-id-invalid'))), v.maxLength(1000, 'blocked-too-many')),
  accepted: v.optional(PinsSchema),
});

/** True when the user pinned an identity for `peerId` (own entries only: `toString` is not pinned). */
export function hasPin(settings: Pick<SessionSettings, 'pins'>, peerId: string): boolean {
  return hasOwnKey(settings.pins, peerId);
}

/** The fingerprint `peerId` was accepted with in this browser session, if it was (own entries only). */
export function acceptedFingerprint(settings: Pick<SessionSettings, 'accepted'>, peerId: string): string | undefined {
  const fingerprint = settings.accepted ? ownValue(settings.accepted, peerId) : undefined;
  return typeof fingerprint === 'string' ? fingerprint : undefined;
}

/** The fingerprint pinned for `peerId`, or `undefined` (never an inherited property). */
export function pinOf(settings: Pick<SessionSettings, 'pins'>, peerId: string): string | undefined {
  const pin = ownValue(settings.pins, peerId);
  return typeof pin === 'string' ? pin : undefined;
}

/** True when `peerId` may connect without asking: listed as trusted, or pinned. */
export function isTrustedId(settings: Pick<SessionSettings, 'pins' | 'trusted'>, peerId: string): boolean {
  return settings.trusted.includes(peerId) || hasPin(settings, peerId);
}

/** True when `peerId` is refused without asking. */
export function isBlockedId(settings: Pick<SessionSettings, 'blocked'>, peerId: string): boolean {
  return settings.blocked.includes(peerId);
}

/** One problem found in settings: where (dotted path, e.g. `signaling.port` or `iceServers.0`) and what (code). */
export interface SettingsProblem {
  path: string;
  code: string;
}

/**
 * Validates settings typed by a user.
 *
 * @returns the cleaned value (trimmed strings), or the first problem of each field. Never throws.
 */
export function validateSettings<const TSchema extends v.GenericSchema>(
  schema: TSchema,
  input: unknown,
): { ok: true; value: v.InferOutput<TSchema> } | { ok: false; problems: SettingsProblem[] } {
  const result = v.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.output };
  // The first problem of each field is the one worth telling: later ones repeat it.
  const problems = new Map<string, SettingsProblem>();
  for (const issue of result.issues) {
    const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
    if (!problems.has(path)) problems.set(path, { path, code: issue.message });
  }
  return { ok: false, problems: [...problems.values()] };
}

/**
 * Relay-only mode needs a TURN server: typed in, or fetched from the PeerServer.
 * @returns `relay-needs-turn` when relay-only is on without either, else `undefined`.
 */
export function relayOnlyProblem(settings: Pick<SessionSettings, 'relayOnly' | 'turnFromServer' | 'iceServers'>): string | undefined {
  if (!settings.relayOnly || settings.turnFromServer) return undefined;
  return settings.iceServers.some((server) => /^turns?:/.test(server.url)) ? undefined : 'relay-needs-turn';
}

/**
 * Address of the PeerServer's TURN credentials endpoint:
 * `http(s)://host:port<path>/turn-credentials?peerId=ID&token=TOKEN`, beside the WebSocket under
 * the same path (and access token, if any). The server mints only for `peerId` registered now
 * with PeerServer token `token`, so fetch it after registering.
 */
export function turnCredentialsUrl(signaling: SignalingSettings, peerId: string, token: string): string {
  const host = signaling.host.includes(':') && !signaling.host.startsWith('[') ? `[${signaling.host}]` : signaling.host;
  const path = signaling.path.replace(/\/+$/, '');
  const query = `peerId=${encodeURIComponent(peerId)}&token=${encodeURIComponent(token)}`;
  return `${signaling.secure ? 'https' : 'http'}://${host}:${signaling.port}${path}/turn-credentials?${query}`;
}

/** Converts our ICE server list to the `RTCIceServer[]` that `RTCPeerConnection` takes. */
export function toRtcIceServers(servers: readonly IceServerSetting[]): RTCIceServer[] {
  return servers.map(({ url, username, credential }) =>
    username !== undefined && credential !== undefined ? { urls: url, username, credential } : { urls: url },
  );
}
