/** Plain words for failure codes, through i18n. */
import { i18n } from '#i18n';
import type { ErrorCode } from '@/lib/errors';

const KEYS = {
  'server-unreachable': 'error.serverUnreachable',
  'id-taken': 'error.idTaken',
  'invalid-id': 'error.invalidId',
  'invalid-key': 'error.invalidKey',
  'ssl-unavailable': 'error.sslUnavailable',
  'peer-unavailable': 'error.peerUnavailable',
  'connect-timeout': 'error.connectTimeout',
  webrtc: 'error.webrtc',
  'turn-auth-failed': 'error.turnAuthFailed',
  'turn-unreachable': 'error.turnUnreachable',
  'relay-unconfigured': 'error.relayUnconfigured',
  'turn-credentials-failed': 'error.turnCredentialsFailed',
  'peer-disconnected': 'error.peerDisconnected',
  'not-connected': 'error.notConnected',
  'peer-flooding': 'error.peerFlooding',
  'connection-declined': 'error.connectionDeclined',
  'peer-busy': 'error.peerBusy',
  'self-connect': 'error.selfConnect',
  'bad-peer-id': 'error.badPeerId',
  'text-too-long': 'error.textTooLong',
  'text-empty': 'error.textEmpty',
  'capture-forbidden': 'error.captureForbidden',
  'capture-failed': 'error.captureFailed',
  'no-tab': 'error.noTab',
  'mic-denied': 'error.micDenied',
  'no-mic': 'error.noMic',
  'share-declined': 'error.shareDeclined',
  'identity-changed': 'error.identityChanged',
  'no-share': 'error.noShare',
  'not-ready': 'error.notReady',
  unavailable: 'error.unavailable',
  internal: 'error.internal',
} as const satisfies Record<ErrorCode, string>;

/** The sentence shown for `code`. */
export function errorText(code: ErrorCode): string {
  return i18n.t(KEYS[code]);
}
