export { SipError, SipErrorCode } from './sip-error.js';
export { parseSipUri, formatSipUri, aorOf, type SipUri } from './sip-uri.js';
export {
  parseNameAddr,
  parseVia,
  parseParams,
  splitCommas,
  COMPACT_FORMS,
  type NameAddr,
  type Via,
} from './header-values.js';
export {
  SipRequest,
  SipResponse,
  canonicalName,
  type SipHeader,
  type SipMessage,
} from './sip-message.js';
export { parseSipMessage, DEFAULT_SIP_LIMITS, type SipLimits } from './sip-parser.js';
export { SipStreamFramer, type Framed } from './sip-stream-framer.js';
export { serializeSipMessage } from './sip-serializer.js';
export {
  SipEndpoint,
  type EndpointEvents,
  type EndpointOptions,
  type RequestHandler,
  type ServerContext,
} from './sip-endpoint.js';
export {
  ServerTransaction,
  DEFAULT_TIMERS,
  type ServerTransactionState,
  type TimerValues,
} from './server-transaction.js';
export { SipTransports, type Flow, type TransportEvents } from './transports.js';
export { createResponse, newTag, REASON_PHRASES, type ResponseOptions } from './responses.js';
export { badRequestResponse } from './bad-request.js';
export {
  DigestAuthenticator,
  digestAnswer,
  type DigestAlgorithm,
  type DigestOptions,
  type DigestResult,
  type Ha1Lookup,
} from './digest.js';
export { ClientTransaction, type ClientTransactionState } from './client-transaction.js';
export type { OutgoingRequest, RequestTarget } from './sip-endpoint.js';
