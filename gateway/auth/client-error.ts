// The one error of client management, so that the command line names the option and the API the field at fault.
import { GatewayError } from '../errors/gateway-error.js';

/** Which input a ClientError is about, so the CLI can name its option and an HTTP layer its field. */
export type ClientField = 'name' | 'scopes' | 'perimeter' | 'authMethod' | 'jwks' | 'clientId' | 'redirectUris' | 'postLogoutRedirectUris' | 'backchannelLogoutUri';

/**
 * Bad input or an impossible operation on a client: over HTTP a 404 for a missing one, a 409 for a revoked
 * one or a taken id, else a 400 naming the body's field.
 */
export class ClientError extends GatewayError {
  readonly reason: 'invalid' | 'not-found' | 'revoked';
  readonly field: ClientField | undefined;
  constructor(message: string, options: { reason?: ClientError['reason']; field?: ClientField } = {}) {
    const reason = options.reason ?? 'invalid';
    const slug = reason === 'not-found' ? 'not-found' : reason === 'revoked' || options.field === 'clientId' ? 'conflict' : 'validation';
    super(slug, message, slug === 'validation' ? { errors: [{ pointer: `/body/${options.field ?? ''}`, detail: message }] } : {});
    this.name = 'ClientError';
    this.reason = reason;
    this.field = options.field;
  }
}
