/**
 * The shape of a device's push token per platform, checked at push.register: a token the provider
 * would refuse (APNs answers BadDeviceToken, FCM INVALID_ARGUMENT) is refused at once, where the
 * app can see it, rather than stored and then silently dropped at the first notification.
 * - APNs device tokens are hex: 32 bytes today, up to 100 bytes by Apple's documentation.
 * - FCM registration tokens are base64url-like text with ':' (`<instance id>:APA91b...`).
 */
const SHAPES: Record<'apns' | 'fcm', { pattern: RegExp; says: string }> = {
  apns: { pattern: /^(?:[0-9a-fA-F]{2}){32,100}$/, says: 'an APNs device token is 64 to 200 hex digits' },
  fcm: {
    pattern: /^[A-Za-z0-9_:.-]{1,4096}$/,
    says: "an FCM registration token is letters, digits and '_', '-', ':', '.'",
  },
};

/** Undefined when the token has its platform's shape, else why not. */
export function pushTokenProblem(platform: 'apns' | 'fcm', token: string): string | undefined {
  const shape = SHAPES[platform];
  return shape.pattern.test(token) ? undefined : `not a ${platform} token: ${shape.says}`;
}
