// Presentation hints that protect reviewers: exploitation and abuse media open blurred and in greyscale by default.
import { isHighExposureCategory, type Category } from '../policy/index.js';
import { builder } from './builder.js';

export interface Hints {
  blur: boolean;
  greyscale: boolean;
  muteAudio: boolean;
  warning: string | null;
}

export function presentationHints(category: Category): Hints {
  const high = isHighExposureCategory(category);
  return {
    blur: high,
    greyscale: high,
    muteAudio: true,
    warning: high ? 'This case concerns exploitation or abuse of a child. Media opens blurred and in greyscale.' : null,
  };
}

export const PresentationHints = builder.objectRef<Hints>('PresentationHints').implement({
  description: 'How the reviewer UI should first show the content',
  fields: (t) => ({
    blur: t.exposeBoolean('blur'),
    greyscale: t.exposeBoolean('greyscale'),
    muteAudio: t.exposeBoolean('muteAudio'),
    warning: t.exposeString('warning', { nullable: true }),
  }),
});
