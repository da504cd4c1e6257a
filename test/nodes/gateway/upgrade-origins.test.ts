import { describe, expect, it } from 'vitest';
import { UpgradeOrigins } from '../../../src/nodes/gateway/upgrade-origins.js';

describe('upgrade origins', () => {
  it('without a list any Origin is admitted, null included', () => {
    const origins = new UpgradeOrigins([]);
    for (const origin of [undefined, 'https://anywhere.example', 'null'])
      expect(origins.admits(origin, 'chat.example.com')).toBe(true);
  });

  it('* admits any Origin', () => {
    const origins = new UpgradeOrigins(['https://app.example.com', '*']);
    expect(origins.admits('https://evil.example', 'chat.example.com')).toBe(true);
  });

  it("with a list: the listed origins, the gateway's own, and requests without Origin", () => {
    const origins = new UpgradeOrigins(['https://app.example.com', 'http://localhost:3000']);
    expect(origins.admits(undefined, 'chat.example.com')).toBe(true);
    expect(origins.admits('https://app.example.com', 'chat.example.com')).toBe(true);
    expect(origins.admits('http://localhost:3000', 'chat.example.com')).toBe(true);
    expect(
      origins.admits('https://chat.example.com', 'Chat.Example.com'),
      'same host, whatever the scheme behind a TLS proxy',
    ).toBe(true);
    expect(origins.admits('https://chat.example.com:8443', 'chat.example.com:8443')).toBe(true);
  });

  it('with a list: others are refused, look-alikes and null included', () => {
    const origins = new UpgradeOrigins(['https://app.example.com']);
    for (const origin of [
      'https://evil.example',
      'null',
      '',
      'https://app.example.com.evil.example',
      'http://app.example.com',
      'https://app.example.com/',
      'https://app.example.com:443',
    ]) {
      expect(origins.admits(origin, 'chat.example.com'), origin).toBe(false);
    }
    expect(origins.admits('https://chat.example.com', 'chat.example.com:8443'), 'another port of the host').toBe(false);
    expect(origins.admits('https://chat.example.com/x', 'chat.example.com'), 'an Origin with a path is no origin').toBe(
      false,
    );
    expect(origins.admits('https://chat.example.com', undefined)).toBe(false);
  });
});
