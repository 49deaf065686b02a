import { createContext } from 'react';

/**
 * The element link labels are drawn into (React Flow's edge label layer), found once by the
 * canvas. React Flow's own EdgeLabelRenderer looks the element up with a DOM query in every
 * label on every store change, which on a 200-link graph was a third of a drag frame.
 */
export const EdgeLabelLayer = createContext<HTMLElement | null>(null);
