export { CpimError, type CpimErrorCode } from './cpim-error.js';
export {
  buildCpim,
  headerValues,
  parseCpim,
  type CpimHeader,
  type CpimMessage,
  type CpimParts,
} from './cpim-message.js';
export {
  IMDN_CONTENT_TYPE,
  IMDN_HEADER_NAMESPACE,
  IMDN_XML_NAMESPACE,
  buildImdn,
  newImdnMessageId,
  parseImdn,
  readImdnRequest,
  type Disposition,
  type ImdnNotification,
  type ImdnRequest,
  type NotificationStatus,
  type ParsedImdn,
} from './imdn.js';
