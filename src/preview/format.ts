/** `cairn render`'s output: a YAML stream kubectl can read, each owner's objects under a comment naming it. */
import { stringify } from 'yaml';
import { PREVIEW_UID, type PreviewSection } from './render-dir.js';

export function formatPreview(sections: readonly PreviewSection[]): string {
  const out = [`# What the Cairn operator would create for these objects (cairn render). ownerReferences carry uid ${PREVIEW_UID}: the API server assigns the real one.`];
  for (const section of sections) {
    out.push(`# ${section.owner} (${section.source})${section.objects.length === 0 && !section.error ? ': no objects' : ''}`);
    if (section.error) out.push(`# error: ${section.error}`);
    for (const note of section.notes) out.push(`#   ${note}`);
    for (const object of section.objects) out.push(`---\n${stringify(object, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd()}`);
  }
  return `${out.join('\n')}\n`;
}
