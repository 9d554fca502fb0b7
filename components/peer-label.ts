/**
 * How a peer is named on screen. The peer ID always comes first and is the label;
 * the display name (chosen by the peer) is secondary, so a peer called
 * `brave-otter-4821` cannot pose as the peer with that ID.
 */
import { i18n } from '#i18n';
import { cleanDisplayName } from '@/lib/display-name';

/** U+2068 FIRST STRONG ISOLATE, U+2066 LEFT-TO-RIGHT ISOLATE and U+2069 POP DIRECTIONAL ISOLATE (Unicode UAX #9). */
const FSI = '\u2068';
const LRI = '\u2066';
const PDI = '\u2069';

/**
 * One line of plain text for places without markup (notifications, menus,
 * `<option>`, sentences): `brave-otter-4821 (Ann)`, or the ID alone. The name is
 * cleaned ({@link cleanDisplayName}) and isolated, so right-to-left text in it
 * cannot move the ID or the words around it; the ID is isolated left to right,
 * so that in Persian text `2024-lynx` does not show as `lynx-2024`.
 */
export function peerLabel(peerId: string, name: string | undefined): string {
  const clean = cleanDisplayName(name ?? '');
  const id = `${LRI}${peerId}${PDI}`;
  return clean ? i18n.t('common.peerWithName', [id, `${FSI}${clean}${PDI}`]) : id;
}

/** {@link peerLabel} of `peerId`, with the name found in `peers` (a session state's list). */
export function peerLabelIn(peers: ReadonlyArray<{ id: string; name: string }> | undefined, peerId: string): string {
  return peerLabel(peerId, peers?.find((peer) => peer.id === peerId)?.name);
}
