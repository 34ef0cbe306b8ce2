export {
  PigeonholeClient,
  RegistrationError,
  type ClientEvents,
  type ClientOptions,
  type OutgoingFile,
  type ReceivedFile,
  type ReceivedText,
  type SendResult,
} from './pigeonhole-client.js';
export { MsrpDescriptionHandler, type OfferedFile } from './msrp-description-handler.js';
export { MsrpReceiveHandler } from './msrp-receive-handler.js';
