export {
  MsrpDecoder,
  DEFAULT_DECODER_LIMITS,
  type DecoderLimits,
  type DecoderSink,
} from './msrp-decoder.js';
export {
  encodeRequest,
  encodeResponse,
  serializeRequest,
  newMessageId,
  newTransactionId,
  type RequestParts,
  type ResponseParts,
} from './msrp-encoder.js';
export {
  formatByteRange,
  header,
  parseByteRange,
  pathHeader,
  reportRequest,
  requiredHeader,
  type ByteRange,
  type ContinuationFlag,
  type MsrpHead,
  type MsrpHeader,
  type MsrpRequestHead,
  type MsrpResponseHead,
  type ReportRequest,
} from './msrp-head.js';
export { MsrpError, MsrpErrorCode, MsrpStatusError } from './msrp-error.js';
export { MSRP_STATUS, statusComment } from './status.js';
export {
  activeEndpointUri,
  formatMsrpUri,
  parseMsrpUri,
  sameMsrpUri,
  type MsrpUri,
} from './msrp-uri.js';
export {
  buildMsrpSdp,
  buildSendOffer,
  mediaTypeOf,
  parseMsrpSdp,
  type MsrpMedia,
  type MsrpSdpOptions,
  type SendOfferOptions,
} from './sdp.js';
export {
  MsrpConnection,
  type ConnectionEvents,
  type ConnectionOptions,
  type SessionResolver,
} from './msrp-connection.js';
export { IncomingMessage, type SessionHandler } from './incoming-message.js';
export {
  MsrpServer,
  connectMsrp,
  MSRP_WS_PROTOCOL,
  type ConnectOptions,
  type ServerEvents,
} from './msrp-server.js';
export { type SendOptions } from './send-message.js';
export { ByteRangeTracker } from './byte-range-tracker.js';
export {
  SocketTransport,
  WebSocketTransport,
  type BrowserWebSocket,
  type MsrpTransport,
  type TransportEvents,
} from './transport.js';
export {
  streamingSession,
  type MessageConsumer,
  type StreamingSessionOptions,
} from './streaming-session.js';
