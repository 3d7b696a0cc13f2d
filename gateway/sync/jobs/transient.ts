// Which failures are worth retrying: the store or the network being away for a moment, not bad input or bugs.
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Transports say themselves whether a destination or source failed for now or for good.
  if ((error as { transient?: unknown }).transient === true) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.has(code)) return true;
    // PostgreSQL: connection exceptions (08), operator intervention such as a restart (57P), insufficient
    // resources (53), serialization failures and deadlocks (40001, 40P01).
    if (/^(08|57P|53)/.test(code) || code === '40001' || code === '40P01') return true;
  }
  if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message)) return true;
  return error.cause !== undefined && error.cause !== error && isTransient(error.cause);
}
