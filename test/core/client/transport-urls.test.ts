import { describe, expect, it } from 'vitest';
import { httpBaseOf } from '../../../src/core/client/long-poll-transport.js';
import { wsUrlOf } from '../../../src/core/client/open-transport.js';
import { ChatClient } from '../../../src/core/client/index.js';

describe('client transports - urls', () => {
  it('a gateway URL of either scheme gives the long-poll base', () => {
    expect(httpBaseOf('ws://127.0.0.1:8080/v1/ws').href).toBe('http://127.0.0.1:8080/');
    expect(httpBaseOf('wss://chat.example.com/v1/ws').href).toBe('https://chat.example.com/');
    expect(httpBaseOf('wss://example.com/chat/v1/ws').href).toBe('https://example.com/chat');
    expect(httpBaseOf('http://127.0.0.1:9000').href).toBe('http://127.0.0.1:9000/');
    expect(() => httpBaseOf('ftp://example.com')).toThrow(/ws:\/\/, wss:\/\/, http:\/\/ or https:\/\//);
  });

  it('an http URL gives the WebSocket endpoint, a ws URL is kept', () => {
    expect(wsUrlOf('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/v1/ws');
    expect(wsUrlOf('https://example.com/chat/')).toBe('wss://example.com/chat/v1/ws');
    expect(wsUrlOf('ws://127.0.0.1:8080/v1/ws')).toBe('ws://127.0.0.1:8080/v1/ws');
  });

  it('an unknown transport is refused when the client is made', () => {
    expect(() => new ChatClient({ urls: ['ws://x/v1/ws'], token: 't', transport: 'carrier-pigeon' as 'ws' })).toThrow(
      /transport must be one of ws, longpoll, auto/,
    );
  });
});
