/**
 * A one-line account of a connection's transport, logged when an attempt fails,
 * so a failure in CI says which layer stopped: the data channel, SCTP, DTLS or ICE.
 * Fields: https://www.w3.org/TR/webrtc/#rtcdatachannel and #rtcsctptransport-interface;
 * the counters are the browser's own (`RTCDataChannelStats`, https://www.w3.org/TR/webrtc-stats/#dcstats-dict*).
 */
import type { DataConnection } from 'peerjs';

/** The synchronous part: states of the channel and the transports under it, and `frames` we decoded. */
export function channelState(conn: DataConnection, frames: number): string {
  const pc = conn.peerConnection as RTCPeerConnection | undefined;
  const dc = conn.dataChannel as RTCDataChannel | undefined;
  const sctp = pc?.sctp;
  return [
    `channel ${dc?.readyState ?? 'none'} (buffered ${dc?.bufferedAmount ?? 0} bytes)`,
    `sctp ${sctp?.state ?? 'none'}`,
    `dtls ${sctp?.transport.state ?? 'none'}`,
    `ice ${pc?.iceConnectionState ?? 'none'}`,
    `pc ${pc?.connectionState ?? 'none'}`,
    `frames in ${frames}`,
  ].join(', ');
}

/**
 * The browser's message counters for every data channel of `conn`'s peer connection,
 * as `label: sent/received messages` (empty when stats are unavailable). Resolves, never rejects.
 */
export async function channelCounters(conn: DataConnection): Promise<string> {
  const pc = conn.peerConnection as RTCPeerConnection | undefined;
  if (!pc || typeof pc.getStats !== 'function') return '';
  try {
    const report = await pc.getStats();
    const lines: string[] = [];
    report.forEach((stat: { type?: string; label?: string; messagesSent?: number; messagesReceived?: number; state?: string }) => {
      if (stat.type === 'data-channel') lines.push(`${stat.label ?? '?'} ${stat.state ?? '?'}: sent ${stat.messagesSent ?? 0}, received ${stat.messagesReceived ?? 0}`);
    });
    return lines.join('; ');
  } catch {
    return '';
  }
}
