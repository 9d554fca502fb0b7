/**
 * Marks of a connection's life, taken by wrapping a few WebRTC prototype
 * methods of a window (a baseline page, or the offscreen document reached from
 * the driver). Used to split a connect time into phases. Behaviour is unchanged.
 */

/** A named moment, in wall-clock ms. */
export interface Mark {
  what: 'command' | 'createDataChannel' | 'remote-offer' | 'remote-answer' | 'open' | 'firstSend';
  at: number;
}

type WebRtcWindow = { RTCPeerConnection: typeof RTCPeerConnection; RTCDataChannel: typeof RTCDataChannel };

/**
 * Records, in `marks`: `createDataChannel` (the initiating side starts),
 * `remote-offer` / `remote-answer` (a description arrives through signaling),
 * `open` (the initiator's channel opens) and `firstSend` (the first message on a
 * channel: the product sends `hello` the moment a channel opens, on both sides).
 */
export function recordTimeline(win: WebRtcWindow, marks: Mark[], now: () => number): void {
  const pc = win.RTCPeerConnection.prototype;
  const createDataChannel = pc.createDataChannel;
  pc.createDataChannel = function (this: RTCPeerConnection, ...args: Parameters<typeof createDataChannel>) {
    marks.push({ what: 'createDataChannel', at: now() });
    const channel = createDataChannel.apply(this, args);
    channel.addEventListener('open', () => marks.push({ what: 'open', at: now() }));
    return channel;
  } as typeof createDataChannel;
  const setRemoteDescription = pc.setRemoteDescription;
  pc.setRemoteDescription = function (this: RTCPeerConnection, ...args: Parameters<typeof setRemoteDescription>) {
    const type = (args[0] as RTCSessionDescriptionInit | undefined)?.type;
    if (type === 'offer' || type === 'answer') marks.push({ what: `remote-${type}`, at: now() });
    return setRemoteDescription.apply(this, args);
  } as typeof setRemoteDescription;
  // `send` is overloaded (string, Blob, ArrayBuffer, view): pass the arguments through untyped.
  const send = win.RTCDataChannel.prototype.send as (this: RTCDataChannel, ...args: unknown[]) => void;
  const seen = new WeakSet<RTCDataChannel>();
  win.RTCDataChannel.prototype.send = function (this: RTCDataChannel, ...args: unknown[]) {
    if (!seen.has(this)) {
      seen.add(this);
      marks.push({ what: 'firstSend', at: now() });
    }
    send.apply(this, args);
  } as typeof win.RTCDataChannel.prototype.send;
}

/** The first mark `what` at or after `after`, or `undefined`. */
export function markAfter(marks: readonly Mark[], what: Mark['what'], after: number): number | undefined {
  return marks.find((mark) => mark.what === what && mark.at >= after)?.at;
}
