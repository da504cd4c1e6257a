import type { PushJob } from '../../core/push/push-job.js';
import { distinctMessages } from './push-collapser.js';

export interface RoomLabel {
  kind: 'direct' | 'group';
  name: string;
}

export interface RenderedNotification {
  title: string;
  body: string;
}

const PREVIEW_CHARS = 120;
const APP_NAME = 'chat-node';

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1)}…` : flat;
}

/**
 * Title and body of one notification for a collapsed group of jobs. With previews: a direct
 * room is titled by the sender, a group by its name, and the body quotes the newest message;
 * without: nothing of the content, sender or room leaves the server.
 */
export function renderNotification(jobs: PushJob[], room: RoomLabel): RenderedNotification {
  const messages = distinctMessages(jobs);
  const count = messages.length;
  const newest = messages.at(-1)!;
  const preview = messages.every((job) => job.preview);
  if (!preview) {
    return { title: APP_NAME, body: count === 1 ? 'New message' : `${count} new messages` };
  }
  const groupName = room.name || 'a group';
  if (room.kind === 'direct') {
    return count === 1
      ? { title: newest.sender, body: clip(newest.body) }
      : { title: newest.sender, body: `${count} new messages: ${clip(newest.body)}` };
  }
  return count === 1
    ? { title: groupName, body: `${newest.sender}: ${clip(newest.body)}` }
    : { title: groupName, body: `${count} new messages in ${groupName}. ${newest.sender}: ${clip(newest.body)}` };
}
