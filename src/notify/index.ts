export { notifyRun, registerNotifySecrets, type NotifyOptions } from './notify-run.js';
export {
  alertStatusOf,
  buildSummary,
  fitSummary,
  slackText,
  MAX_LISTED_FAILURES,
  type AlertSummary,
} from './summary.js';
