/** Named profiles (`--profile`): `lab` (workshops, the default), `ci` (kind smoke tests), `production`. */
export const PROFILE_NAMES = ['lab', 'ci', 'production'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
export const DEFAULT_PROFILE: ProfileName = 'lab';
