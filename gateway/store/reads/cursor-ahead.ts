// A change cursor past the end of this gateway's change log: it was not issued here (another gateway, a store
// restored from an older backup), and reading from it would skip whatever is written until the log gets there.
import { GatewayError } from '../../errors/gateway-error.js';

export class CursorAhead extends GatewayError {
  constructor() {
    super('validation', '/query/since is ahead of this gateway\'s change log: it was not issued here', {
      errors: [{ pointer: '/query/since', detail: 'must be a cursor issued by this gateway' }],
    });
  }
}
