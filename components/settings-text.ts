/** Plain words for settings problem codes (see `lib/settings.ts`). */
import { i18n } from '#i18n';

const KEYS = {
  'host-empty': 'settingsError.hostEmpty',
  'host-invalid': 'settingsError.hostInvalid',
  'port-range': 'settingsError.portRange',
  'path-invalid': 'settingsError.pathInvalid',
  'key-invalid': 'settingsError.keyInvalid',
  'peer-id-invalid': 'settingsError.peerIdInvalid',
  'display-name-long': 'settingsError.displayNameLong',
  'ice-url-invalid': 'settingsError.iceUrlInvalid',
  'ice-turn-credentials': 'settingsError.iceTurnCredentials',
  'ice-username-long': 'settingsError.iceUsernameLong',
  'ice-credential-long': 'settingsError.iceCredentialLong',
  'ice-too-many': 'settingsError.iceTooMany',
  'relay-needs-turn': 'settingsError.relayNeedsTurn',
  'server-url-invalid': 'settingsError.serverUrlInvalid',
  'servers-too-many': 'settingsError.serversTooMany',
} as const;

/** The sentence for a settings problem code; unknown codes get a generic sentence. */
export function settingsProblemText(code: string): string {
  const key = Object.hasOwn(KEYS, code) ? KEYS[code as keyof typeof KEYS] : 'settingsError.unknown';
  return i18n.t(key);
}
