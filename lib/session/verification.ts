/**
 * The verification-code exchange of one connection (docs/security.md, "Verification
 * code (SAS) construction") as a task: started once the connection is established,
 * ended by its signal. It shows its progress through `show`; it never touches the
 * connection itself.
 */
import type { PeerView } from '../protocol/runtime';
import { SasExchange } from '../security/sas';

/** How long the peer has to complete the verification-code exchange, in ms. */
export const SAS_TIMEOUT_MS = 10_000;

/** A connection's verification state, as `PeerView.verification` carries it. */
export type VerificationView = NonNullable<PeerView['verification']>;

/** What the exchange needs. */
export interface VerificationOptions {
  /** Our certificate's SHA-256 fingerprint. */
  ours: string | undefined;
  /** The peer's, from the certificate the browser verified (see `identity.ts`). */
  theirs: string | undefined;
  send(message: { type: 'sas-commit'; hash: string } | { type: 'sas-reveal'; nonce: string }): void;
  show(verification: VerificationView): void;
  /**
   * True when the peer says it is SecureConnect (its `hello` or metadata), read when
   * the time is up: such a peer always verifies, so no exchange is a stripped one.
   */
  expected(): boolean;
  /** Called with a reason safe to log when the exchange fails. */
  failed(reason: string): void;
  signal: AbortSignal;
}

/** The peer's side of the exchange, fed by the message handler. */
export interface Verification {
  onCommit(hash: string): void;
  onReveal(nonce: string): void;
}

/**
 * Starts the exchange; without both fingerprints, shows `failed` at once.
 * @returns where the peer's `sas-commit` and `sas-reveal` go.
 */
export function startVerification(options: VerificationOptions): Verification {
  const { ours, theirs, signal } = options;
  const show = (verification: VerificationView): void => {
    if (!signal.aborted) options.show(verification);
  };
  if (!ours || !theirs) {
    show({ state: 'failed' });
    options.failed('no fingerprint');
    return { onCommit: () => {}, onReveal: () => {} };
  }
  let settled = false;
  const timer = setTimeout(() => {
    if (settled) return;
    const expected = options.expected();
    if (expected) options.failed('the peer says it is SecureConnect but sent no verification');
    show({ state: expected ? 'failed' : 'unsupported' });
  }, SAS_TIMEOUT_MS);
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  const exchange = new SasExchange(ours, theirs, (message) => !signal.aborted && options.send(message), (result) => {
    settled = true;
    clearTimeout(timer);
    show(result.ok ? { state: 'ready', code: result.code } : { state: 'failed' });
    if (!result.ok) options.failed(result.reason);
  });
  show({ state: 'pending' });
  void exchange.start();
  return {
    onCommit: (hash) => !signal.aborted && exchange.onCommit(hash),
    onReveal: (nonce) => void (!signal.aborted && exchange.onReveal(nonce)),
  };
}
