/**
 * Commands to every gateway process of a cluster, on Subjects.gatewayControl. A union, so a
 * gateway branches on `type` and ignores a command it does not know (a newer operator tool).
 */
export type GatewayControl = KickCommand;

/**
 * Close the connections of a user (every device, or `device`) with `unauthorized` and 4401.
 * With `notBefore` (seconds), the user's (device's) tokens issued before it are refused from now on.
 */
export interface KickCommand {
  type: 'kick';
  user: string;
  device?: string;
  notBefore?: number;
}
