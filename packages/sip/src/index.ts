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
  type InviteOutcome,
  type ForwardingOptions,
  type RequestHandler,
  type RequestRouter,
  type ServerContext,
} from './sip-endpoint.js';
export { viaTarget } from './via-target.js';
export {
  ServerTransaction,
  DEFAULT_TIMERS,
  type ServerTransactionState,
  type TimerValues,
} from './server-transaction.js';
export {
  SipTransports,
  TRANSPORT_NAMES,
  defaultPort,
  type Flow,
  type ListenOptions,
  type RequestTarget,
  type TransportEvents,
  type TransportName,
} from './transports.js';
export { ClientLayer, type SendOptions, type SentRequest } from './client-layer.js';
export {
  InviteClientTransaction,
  type InviteClientOptions,
  type InviteClientState,
} from './invite-client-transaction.js';
export {
  Dialog,
  dialogKey,
  type DialogEvents,
  type DialogState,
  type InDialogRequest,
} from './dialog.js';
export { forwardedRequest, popOwnRoutes, uriTarget, type ForwardOptions } from './proxy.js';
export {
  buildRequest,
  ackForFailure,
  cancelFor,
  newBranch,
  type OutgoingRequest,
} from './uac-requests.js';
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
export {
  acceptsMethod,
  contactTarget,
  type ContactTarget,
  type RegisteredContact,
} from './contact-target.js';
