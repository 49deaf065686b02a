/**
 * Ray casting for the "scenes" dataset: where a ray from the camera first meets a room (floor,
 * back and side walls) and the solids standing on its floor, with the surface normal there.
 * World coordinates: x right, y down, z forward from the camera; the floor is the plane y = floor.
 */

export type Vec3 = readonly [number, number, number];

/** What a ray meets first: distance along the ray, the surface's class and its outward normal. */
export interface Hit {
  readonly t: number;
  readonly surface: number;
  readonly normal: Vec3;
  /** The solid's index in the scene, or -1 for the room. */
  readonly solid: number;
}

export type Solid =
  | { readonly kind: 'box'; readonly centre: Vec3; readonly half: Vec3; readonly yaw: number }
  | { readonly kind: 'sphere'; readonly centre: Vec3; readonly radius: number }
  | {
      readonly kind: 'cylinder';
      readonly centre: Vec3;
      readonly radius: number;
      readonly halfHeight: number;
    };

export interface Room {
  /** y of the floor (below the camera: positive). */
  readonly floor: number;
  /** z of the back wall. */
  readonly back: number;
  /** x of the left (negative) and right (positive) walls. */
  readonly left: number;
  readonly right: number;
}

/** Surfaces, as the mask's classes. */
export const SCENE_CLASSES = ['floor', 'wall', 'box', 'sphere', 'cylinder'] as const;
const FLOOR = 0;
const WALL = 1;
const SURFACE_OF = { box: 2, sphere: 3, cylinder: 4 } as const;

const EPS = 1e-9;

/** The nearest of the room's planes that the ray meets in front of the camera. */
function roomHit(room: Room, o: Vec3, d: Vec3): Hit {
  let best: Hit = { t: Infinity, surface: WALL, normal: [0, 0, -1], solid: -1 };
  const plane = (axis: 0 | 1 | 2, at: number, surface: number, normal: Vec3) => {
    if (Math.abs(d[axis]) < EPS) return;
    const t = (at - o[axis]) / d[axis];
    if (t > EPS && t < best.t) best = { t, surface, normal, solid: -1 };
  };
  plane(1, room.floor, FLOOR, [0, -1, 0]);
  plane(2, room.back, WALL, [0, 0, -1]);
  plane(0, room.left, WALL, [1, 0, 0]);
  plane(0, room.right, WALL, [-1, 0, 0]);
  return best;
}

function sphereHit(s: { centre: Vec3; radius: number }, o: Vec3, d: Vec3): number | undefined {
  const oc: Vec3 = [o[0] - s.centre[0], o[1] - s.centre[1], o[2] - s.centre[2]];
  const a = dot(d, d);
  const b = dot(oc, d);
  const c = dot(oc, oc) - s.radius * s.radius;
  const disc = b * b - a * c;
  if (disc < 0) return undefined;
  const t = (-b - Math.sqrt(disc)) / a;
  return t > EPS ? t : undefined;
}

/** Slab test in the box's own frame (turned by `yaw` about the vertical axis). */
function boxHit(
  b: { centre: Vec3; half: Vec3; yaw: number },
  o: Vec3,
  d: Vec3,
): { t: number; normal: Vec3 } | undefined {
  const cos = Math.cos(b.yaw);
  const sin = Math.sin(b.yaw);
  const toLocal = (v: Vec3): Vec3 => [cos * v[0] + sin * v[2], v[1], -sin * v[0] + cos * v[2]];
  const lo = toLocal([o[0] - b.centre[0], o[1] - b.centre[1], o[2] - b.centre[2]]);
  const ld = toLocal(d);
  let near = -Infinity;
  let far = Infinity;
  let axisHit = 0;
  for (let k = 0; k < 3; k++) {
    const dk = ld[k]!;
    const ok = lo[k]!;
    const h = b.half[k]!;
    if (Math.abs(dk) < EPS) {
      if (ok < -h || ok > h) return undefined;
      continue;
    }
    let t0 = (-h - ok) / dk;
    let t1 = (h - ok) / dk;
    if (t0 > t1) [t0, t1] = [t1, t0];
    if (t0 > near) {
      near = t0;
      axisHit = k;
    }
    far = Math.min(far, t1);
    if (near > far) return undefined;
  }
  if (near <= EPS) return undefined;
  const local = [0, 0, 0];
  local[axisHit] = ld[axisHit]! > 0 ? -1 : 1;
  // Back to the world: the inverse turn.
  const normal: Vec3 = [
    cos * local[0]! - sin * local[2]!,
    local[1]!,
    sin * local[0]! + cos * local[2]!,
  ];
  return { t: near, normal };
}

/** An upright cylinder: its side, and its top cap (the bottom stands on the floor). */
function cylinderHit(
  c: { centre: Vec3; radius: number; halfHeight: number },
  o: Vec3,
  d: Vec3,
): { t: number; normal: Vec3 } | undefined {
  const ox = o[0] - c.centre[0];
  const oz = o[2] - c.centre[2];
  let best: { t: number; normal: Vec3 } | undefined;
  const a = d[0] * d[0] + d[2] * d[2];
  if (a > EPS) {
    const b = ox * d[0] + oz * d[2];
    const cc = ox * ox + oz * oz - c.radius * c.radius;
    const disc = b * b - a * cc;
    if (disc >= 0) {
      const t = (-b - Math.sqrt(disc)) / a;
      const y = o[1] + t * d[1] - c.centre[1];
      if (t > EPS && Math.abs(y) <= c.halfHeight) {
        const nx = (ox + t * d[0]) / c.radius;
        const nz = (oz + t * d[2]) / c.radius;
        best = { t, normal: [nx, 0, nz] };
      }
    }
  }
  if (Math.abs(d[1]) > EPS) {
    const top = c.centre[1] - c.halfHeight;
    const t = (top - o[1]) / d[1];
    const x = ox + t * d[0];
    const z = oz + t * d[2];
    if (t > EPS && x * x + z * z <= c.radius * c.radius && (!best || t < best.t)) {
      best = { t, normal: [0, -1, 0] };
    }
  }
  return best;
}

/** The first surface a ray from `o` along `d` meets. */
export function castRay(room: Room, solids: readonly Solid[], o: Vec3, d: Vec3): Hit {
  let best = roomHit(room, o, d);
  solids.forEach((s, i) => {
    if (s.kind === 'sphere') {
      const t = sphereHit(s, o, d);
      if (t !== undefined && t < best.t) {
        const p: Vec3 = [o[0] + t * d[0], o[1] + t * d[1], o[2] + t * d[2]];
        const normal: Vec3 = [
          (p[0] - s.centre[0]) / s.radius,
          (p[1] - s.centre[1]) / s.radius,
          (p[2] - s.centre[2]) / s.radius,
        ];
        best = { t, surface: SURFACE_OF.sphere, normal, solid: i };
      }
      return;
    }
    const hit = s.kind === 'box' ? boxHit(s, o, d) : cylinderHit(s, o, d);
    if (hit && hit.t < best.t) best = { ...hit, surface: SURFACE_OF[s.kind], solid: i };
  });
  return best;
}

export const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

export function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}
