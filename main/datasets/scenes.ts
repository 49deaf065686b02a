/**
 * The "scenes" built-in dataset, a small NYUv2-like set the studio draws itself: a room (floor,
 * back and side walls) with a few boxes, spheres and cylinders standing on the floor, seen by a
 * pinhole camera at a random pitch and yaw. Every pixel is cast as a ray, so each one has a class
 * (mask), a depth and a surface normal exactly; the image is shaded from the normal and a light,
 * with textured floors and walls and random colours.
 */
import { targetAtImageSize } from '../../core/tasks/registry.ts';
import { addGaussianNoise, luminance, writeBytes } from './canvas.ts';
import { buildDataset } from './dataset-builder.ts';
import { resolveSampleCount } from './options.ts';
import { createRng, type Rng } from './rng.ts';
import {
  castRay,
  dot,
  normalise,
  SCENE_CLASSES,
  type Room,
  type Solid,
  type Vec3,
} from './scene-geometry.ts';
import type { BuiltInDatasetOptions, Dataset, DatasetTarget } from './types.ts';

export const SCENES_NAME = 'scenes';
export const SCENES_DESCRIPTION =
  'Rooms with boxes, spheres and cylinders on the floor, drawn with known geometry: a class, a depth and a surface normal for every pixel.';
/** A mask, a depth map and a normal map per image are 5 floats a pixel: kept small. */
export const SCENES_FULL_SIZE = 2_000;
/** The maps are drawn at the image's size; 64×64 unless the graph's input says otherwise. */
export const SCENES_TARGETS: readonly DatasetTarget[] = [
  { name: 'mask', kind: 'mask', classes: [...SCENE_CLASSES], height: 64, width: 64 },
  { name: 'depth', kind: 'depth', height: 64, width: 64 },
  { name: 'normals', kind: 'normals', height: 64, width: 64 },
];

const SAMPLE_STREAM = 0x7363;
/** Horizontal field of view of the camera. */
const FIELD_OF_VIEW = (60 * Math.PI) / 180;
const NOISE_SIGMA = 0.02;
const AMBIENT = 0.3;

type Rgb = readonly [number, number, number];

interface Scene {
  readonly room: Room;
  readonly solids: readonly Solid[];
  readonly colours: readonly Rgb[];
  readonly floorColours: readonly [Rgb, Rgb];
  readonly wallColour: Rgb;
  readonly tile: number;
  readonly stripe: number;
  /** Direction towards the light, unit length. */
  readonly light: Vec3;
  readonly pitch: number;
  readonly yaw: number;
}

const colour = (rng: Rng, low = 0.15, high = 0.95): Rgb => [
  rng.nextRange(low, high),
  rng.nextRange(low, high),
  rng.nextRange(low, high),
];

/** A room and 1–4 solids standing on its floor, in front of the camera. */
function drawScene(rng: Rng): Scene {
  const room: Room = {
    floor: rng.nextRange(1.0, 1.4),
    back: rng.nextRange(6, 8),
    left: -rng.nextRange(2.5, 3.5),
    right: rng.nextRange(2.5, 3.5),
  };
  const count = 1 + rng.nextInt(4);
  const solids: Solid[] = [];
  const colours: Rgb[] = [];
  for (let i = 0; i < count; i++) {
    const x = rng.nextRange(-1.8, 1.8);
    const z = rng.nextRange(2.5, 5.5);
    const kind = rng.nextInt(3);
    if (kind === 0) {
      const half: Vec3 = [
        rng.nextRange(0.25, 0.6),
        rng.nextRange(0.25, 0.6),
        rng.nextRange(0.25, 0.6),
      ];
      solids.push({
        kind: 'box',
        centre: [x, room.floor - half[1], z],
        half,
        yaw: rng.nextRange(0, Math.PI / 2),
      });
    } else if (kind === 1) {
      const radius = rng.nextRange(0.25, 0.6);
      solids.push({ kind: 'sphere', centre: [x, room.floor - radius, z], radius });
    } else {
      const radius = rng.nextRange(0.2, 0.45);
      const halfHeight = rng.nextRange(0.3, 0.8);
      solids.push({
        kind: 'cylinder',
        centre: [x, room.floor - halfHeight, z],
        radius,
        halfHeight,
      });
    }
    colours.push(colour(rng));
  }
  const floorColour = colour(rng, 0.2, 0.8);
  const shade = rng.nextRange(0.6, 0.85);
  return {
    room,
    solids,
    colours,
    floorColours: [
      floorColour,
      [floorColour[0] * shade, floorColour[1] * shade, floorColour[2] * shade],
    ],
    wallColour: colour(rng, 0.4, 0.95),
    tile: rng.nextRange(0.4, 1.2),
    stripe: rng.nextRange(0.15, 0.5),
    light: normalise([rng.nextRange(-0.6, 0.6), -1, rng.nextRange(-0.8, -0.2)]),
    pitch: (rng.nextRange(5, 20) * Math.PI) / 180,
    yaw: (rng.nextRange(-12, 12) * Math.PI) / 180,
  };
}

/** The camera's turn: pitch down about x, then yaw about the vertical axis. */
function turn(scene: Scene, v: Vec3): Vec3 {
  const [cp, sp, cy, sy] = [
    Math.cos(scene.pitch),
    Math.sin(scene.pitch),
    Math.cos(scene.yaw),
    Math.sin(scene.yaw),
  ];
  const pitched: Vec3 = [v[0], v[1] * cp + v[2] * sp, -v[1] * sp + v[2] * cp];
  return [pitched[0] * cy + pitched[2] * sy, pitched[1], -pitched[0] * sy + pitched[2] * cy];
}

/** The inverse of `turn`: a world direction in the camera's frame. */
function unturn(scene: Scene, v: Vec3): Vec3 {
  const [cp, sp, cy, sy] = [
    Math.cos(scene.pitch),
    Math.sin(scene.pitch),
    Math.cos(scene.yaw),
    Math.sin(scene.yaw),
  ];
  const unyawed: Vec3 = [v[0] * cy - v[2] * sy, v[1], v[0] * sy + v[2] * cy];
  return [unyawed[0], unyawed[1] * cp - unyawed[2] * sp, unyawed[1] * sp + unyawed[2] * cp];
}

/** The surface's own colour at a world point: tiles on the floor, bands on the walls. */
function albedo(scene: Scene, surface: number, solid: number, p: Vec3): Rgb {
  if (solid >= 0) return scene.colours[solid] ?? [0.5, 0.5, 0.5];
  if (surface === 0) {
    const parity = (Math.floor(p[0] / scene.tile) + Math.floor(p[2] / scene.tile)) & 1;
    return scene.floorColours[parity === 0 ? 0 : 1];
  }
  const band = 0.88 + 0.12 * Math.sign(Math.sin(p[1] / scene.stripe));
  const [r, g, b] = scene.wallColour;
  return [r * band, g * band, b * band];
}

export interface SceneMaps {
  /** height*width*channels values in [0, 1], HWC, before noise. */
  readonly image: Float32Array;
  readonly mask: Float32Array;
  readonly depth: Float32Array;
  /** Unit normals in the camera's frame: x right, y up, z towards the camera. */
  readonly normals: Float32Array;
}

/** Casts one ray per pixel centre: the shaded image and the three maps. Pure. */
export function renderScene(rng: Rng, height: number, width: number, channels: number): SceneMaps {
  const scene = drawScene(rng);
  const pixels = height * width;
  const image = new Float32Array(pixels * channels);
  const mask = new Float32Array(pixels);
  const depth = new Float32Array(pixels);
  const normals = new Float32Array(pixels * 3);
  const focal = width / 2 / Math.tan(FIELD_OF_VIEW / 2);
  const origin: Vec3 = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // In the camera's frame with z = 1, so the distance t along it is the depth.
      const ray: Vec3 = [(x + 0.5 - width / 2) / focal, (y + 0.5 - height / 2) / focal, 1];
      const d = turn(scene, ray);
      const hit = castRay(scene.room, scene.solids, origin, d);
      const point: Vec3 = [hit.t * d[0], hit.t * d[1], hit.t * d[2]];
      mask[i] = hit.surface;
      depth[i] = hit.t;
      const n = unturn(scene, hit.normal);
      normals.set([n[0], -n[1], -n[2]], i * 3);
      const lit = AMBIENT + (1 - AMBIENT) * Math.max(0, dot(hit.normal, scene.light));
      const [r, g, b] = albedo(scene, hit.surface, hit.solid, point);
      if (channels === 1) image[i] = luminance(r, g, b) * lit;
      else image.set([r * lit, g * lit, b * lit], i * 3);
    }
  }
  return { image, mask, depth, normals };
}

export function loadScenes(options: BuiltInDatasetOptions): Dataset {
  // A class, a depth and a normal (1 + 1 + 3 float32 values) at every pixel.
  const sampleCount = resolveSampleCount(SCENES_NAME, SCENES_FULL_SIZE, options, 5 * 4);
  const [height, width, channels] = options.imageShape;
  return buildDataset(
    {
      name: SCENES_NAME,
      description: SCENES_DESCRIPTION,
      imageShape: options.imageShape,
      targets: SCENES_TARGETS.map((t) => targetAtImageSize(t, height, width)),
      sampleCount,
    },
    (sampleIndex, pixels) => {
      const rng = createRng(options.seed, SAMPLE_STREAM, sampleIndex);
      const maps = renderScene(rng, height, width, channels);
      addGaussianNoise(maps.image, NOISE_SIGMA, rng);
      writeBytes(maps.image, pixels);
      return { mask: maps.mask, depth: maps.depth, normals: maps.normals };
    },
  );
}
