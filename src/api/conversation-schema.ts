import { z } from 'zod';
import { inputItemSchema, INCLUDE_VALUES, metadataSchema } from './request-schema.js';

/**
 * Bodies and queries of the Conversations API (`/v1/conversations`). Items use the same input
 * item schema as `POST /v1/responses`, so anything a response accepts a conversation stores.
 */

export const createConversationSchema = z.strictObject({
  items: z.array(inputItemSchema).nullish(),
  metadata: metadataSchema.nullish(),
});

export const updateConversationSchema = z.strictObject({
  metadata: metadataSchema.nullable(),
});

export const addItemsSchema = z.strictObject({
  items: z.array(inputItemSchema).min(1),
});

export const includeSchema = z.array(z.enum(INCLUDE_VALUES));
