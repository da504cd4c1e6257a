import { describe, expect, it } from 'vitest';
import { apnsFailureOutcome } from '../../../../src/nodes/pusher/providers/apns-outcome.js';
import { buildApnsNotification } from '../../../../src/nodes/pusher/providers/apns-provider.js';
import { fcmFailureOutcome } from '../../../../src/nodes/pusher/providers/fcm-outcome.js';
import { buildFcmMessage } from '../../../../src/nodes/pusher/providers/fcm-provider.js';
import { retryAfterMs } from '../../../../src/nodes/pusher/providers/google-endpoints.js';

describe('push providers - outcome mapping', () => {
  it('apns outcome - 410 and token reasons are dead tokens', () => {
    expect(apnsFailureOutcome({ status: 410, response: { reason: 'Unregistered', timestamp: 1700000000000 } })).toEqual(
      {
        kind: 'dead-token',
        reason: 'Unregistered since 1700000000000',
      },
    );
    expect(apnsFailureOutcome({ status: 400, response: { reason: 'BadDeviceToken' } }).kind).toBe('dead-token');
    expect(apnsFailureOutcome({ status: 400, response: { reason: 'DeviceTokenNotForTopic' } }).kind).toBe('dead-token');
  });

  it('apns outcome - throttling, server errors and transport errors are retries', () => {
    expect(apnsFailureOutcome({ status: 429, response: { reason: 'TooManyRequests' } })).toEqual({
      kind: 'retry',
      reason: '429 TooManyRequests',
    });
    expect(apnsFailureOutcome({ status: 503, response: { reason: 'Shutdown' } }).kind).toBe('retry');
    expect(apnsFailureOutcome({ status: 500, error: { message: 'Error 500, stream ended unexpectedly' } }).kind).toBe(
      'retry',
    );
    expect(apnsFailureOutcome({ error: { message: 'apn write timeout' } })).toEqual({
      kind: 'retry',
      reason: 'apns transport: apn write timeout',
    });
    expect(
      apnsFailureOutcome({ status: '(error)', error: { message: 'Timeout, aborted, or other unknown error' } }).kind,
    ).toBe('retry');
  });

  it('apns outcome - a stale provider token is retried at once (the library has minted a new one)', () => {
    expect(apnsFailureOutcome({ status: 403, error: { message: 'ExpiredProviderToken' } })).toEqual({
      kind: 'retry',
      reason: 'ExpiredProviderToken',
      retryAfterMs: 0,
    });
  });

  it('apns outcome - our own mistakes are rejected', () => {
    for (const [status, reason] of [
      [400, 'TopicDisallowed'],
      [400, 'BadCollapseId'],
      [403, 'InvalidProviderToken'],
      [405, 'MethodNotAllowed'],
      [413, 'PayloadTooLarge'],
    ] as const) {
      expect(apnsFailureOutcome({ status, response: { reason } })).toEqual({
        kind: 'rejected',
        reason: `${status} ${reason}`,
      });
    }
  });

  it('fcm outcome - unregistered, not found and invalid registration tokens are dead tokens', () => {
    expect(
      fcmFailureOutcome({
        code: 'messaging/registration-token-not-registered',
        message: 'Requested entity was not found.',
      }).kind,
    ).toBe('dead-token');
    expect(fcmFailureOutcome({ code: 'messaging/invalid-registration-token', message: 'x' }).kind).toBe('dead-token');
    expect(
      fcmFailureOutcome({
        code: 'messaging/invalid-argument',
        message: 'The registration token is not a valid FCM registration token',
      }).kind,
    ).toBe('dead-token');
  });

  it('fcm outcome - INVALID_ARGUMENT about the message, and auth problems, are rejected', () => {
    expect(
      fcmFailureOutcome({
        code: 'messaging/invalid-argument',
        message: "Invalid value at 'message.data[0].value' (TYPE_STRING), 12",
      }).kind,
    ).toBe('rejected');
    expect(fcmFailureOutcome({ code: 'messaging/payload-size-limit-exceeded', message: 'too big' }).kind).toBe(
      'rejected',
    );
    expect(fcmFailureOutcome({ code: 'messaging/third-party-auth-error', message: 'x', httpStatus: 401 }).kind).toBe(
      'rejected',
    );
    expect(fcmFailureOutcome({ code: 'messaging/mismatched-credential', message: 'x', httpStatus: 403 }).kind).toBe(
      'rejected',
    );
    expect(
      fcmFailureOutcome({
        code: 'app/invalid-credential',
        message: 'failed ... "invalid_grant: Invalid JWT Signature."',
      }).kind,
    ).toBe('rejected');
  });

  it('fcm outcome - throttling, server and network errors are retries, with Retry-After when given', () => {
    expect(
      fcmFailureOutcome({
        code: 'messaging/message-rate-exceeded',
        message: 'quota',
        httpStatus: 429,
        retryAfterMs: 5000,
      }),
    ).toEqual({
      kind: 'retry',
      reason: 'messaging/message-rate-exceeded: quota',
      retryAfterMs: 5000,
    });
    expect(fcmFailureOutcome({ code: 'messaging/server-unavailable', message: 'x' })).toEqual({
      kind: 'retry',
      reason: 'messaging/server-unavailable: x',
    });
    expect(fcmFailureOutcome({ code: 'messaging/internal-error', message: 'x' }).kind).toBe('retry');
    expect(fcmFailureOutcome({ code: 'messaging/unknown-error', message: 'x', httpStatus: 502 }).kind).toBe('retry');
    expect(fcmFailureOutcome({ code: 'app/network-error', message: 'connect ECONNREFUSED' }).kind).toBe('retry');
    expect(
      fcmFailureOutcome({
        code: 'app/invalid-credential',
        message: 'request to https://oauth2.googleapis.com/token failed, reason: connect ECONNREFUSED',
      }).kind,
    ).toBe('retry');
    expect(fcmFailureOutcome({ message: 'TypeError: something odd' }).kind).toBe('retry');
  });

  it('retry-after - seconds or an HTTP date, in ms', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs('')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

describe('push providers - requests', () => {
  const push = {
    token: 'abc',
    title: '',
    body: '2 new messages',
    badge: 4,
    room: 'r1',
    collapseId: 'd:r1',
    threadId: 'r1',
  };

  it('apns request - body without a title, badge, thread, collapse id and room', () => {
    // compile() and headers() are what node-apn sends; its type declarations leave them out.
    const note = buildApnsNotification(push, 'com.example.app') as unknown as {
      compile(): string;
      headers(): Record<string, unknown>;
    };
    expect(JSON.parse(note.compile())).toEqual({
      room: 'r1',
      aps: { alert: { body: '2 new messages' }, badge: 4, 'thread-id': 'r1' },
    });
    expect(note.headers()).toMatchObject({
      'apns-topic': 'com.example.app',
      'apns-collapse-id': 'd:r1',
      'apns-push-type': 'alert',
      'apns-priority': 10,
    });
  });

  it('fcm request - no collapse id or thread leaves those fields out', () => {
    const message = buildFcmMessage({ token: 't', title: 'a', body: 'b', badge: 1, room: 'r' });
    expect(message).toEqual({
      token: 't',
      notification: { title: 'a', body: 'b' },
      data: { room: 'r', badge: '1' },
      android: { priority: 'high', notification: { notificationCount: 1 } },
      apns: { payload: { aps: { badge: 1 } } },
    });
  });
});
