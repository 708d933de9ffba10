/** Types for the part of svgcanvas (a CanvasRenderingContext2D that records SVG) the chart export uses. */
declare module 'svgcanvas' {
  export class Context {
    constructor(options: { width: number; height: number; document?: Document });
    canvas: unknown;
    getSerializedSvg(fixNamedEntities?: boolean): string;
  }
}
