import type { ConversationRecord } from '../store/types.js';
import { notFound, type ApiError } from './errors.js';

/** The public conversation resource (`object: "conversation"`). */
export interface ConversationResource {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, string>;
}

export function conversationResource(record: ConversationRecord): ConversationResource {
  return { id: record.id, object: 'conversation', created_at: record.createdAt, metadata: record.metadata };
}

/** Absent, deleted and another principal's conversations all look the same. */
export function conversationNotFound(id: string, param: string | null = 'conversation_id'): ApiError {
  return notFound(`Conversation with id '${id.slice(0, 200)}' not found.`, param, 'conversation_not_found');
}
