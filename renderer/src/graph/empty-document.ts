import {
  GRAPH_FORMAT,
  GRAPH_VERSION,
  graphDocumentSchema,
  type GraphDocument,
} from '../../../core/graph/schema.ts';

/** A graph with no nodes and default training settings: what New and "Empty canvas" give. */
export const emptyDocument = (name = 'Untitled graph'): GraphDocument =>
  graphDocumentSchema.parse({ format: GRAPH_FORMAT, version: GRAPH_VERSION, name, nodes: [] });
