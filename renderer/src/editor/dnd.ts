/** The drag data a palette item carries onto the canvas: the node kind's name. */
export const KIND_MIME = 'application/x-studio-kind';
