-- 002: push registrations. One row per device that asked for push; a token belongs to one
-- device (registering it again elsewhere moves it).
CREATE TABLE push_registrations (
  user_id     text NOT NULL,
  device_id   text NOT NULL,
  platform    text NOT NULL CHECK (platform IN ('apns', 'fcm')),
  token       text NOT NULL,
  -- false: content-free notifications ("New message"), for devices that asked for no previews
  preview     boolean NOT NULL DEFAULT true,
  muted_rooms text[] NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, device_id)
);
CREATE UNIQUE INDEX push_registrations_token ON push_registrations (platform, token);
