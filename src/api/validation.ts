/**
 * Fastify validator compiler for zod schemas. Unlike the type provider's own compiler, a failure becomes a
 * RequestValidationError right away, so the answer names each field (unknown keys one by one, unions by
 * the alternative the caller meant) and the rule, in the API's error shape.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { RequestValidationError, type RequestPart } from './errors';

export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => (data) => {
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data };
  return { error: new RequestValidationError((httpPart ?? 'body') as RequestPart, result.error) };
};
