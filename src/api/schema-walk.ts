/** Walking a plain-JSON schema alongside a value: the schema of one field of an object. */
type Json = Record<string, unknown>;

/** The schema of field `key` of an object node: its property schema, else the map's value schema. */
export function fieldSchema(schema: Json, key: string): Json | undefined {
  const property = (schema.properties as Record<string, Json> | undefined)?.[key];
  if (property) return property;
  return typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as Json) : undefined;
}
