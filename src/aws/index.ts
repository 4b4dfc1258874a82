export {
  awsClientConfig,
  organizationsRegion,
  type AwsClientConfig,
  type AwsService,
  type CredentialProvider,
} from './client-config.js';
export { configureHttp, httpStats, type HttpSettings, type HttpStats } from './http-handler.js';
export { loadedSettings } from './loaded-settings.js';
export {
  parseS3Target,
  putS3Object,
  s3ObjectExists,
  type S3UploadOptions,
  uploadFileToS3,
} from './s3-upload.js';
export { deleteS3Key, deleteS3Keys, deleteS3Objects, listS3Objects } from './s3-objects.js';
export { isS3Location, joinLocation, parentLocation } from './s3-location.js';
export { readS3Text } from './s3-text.js';
