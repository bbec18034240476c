#version 330 core
// Face mesh fragment shader: per-part material, three-point studio light with wrapped diffuse
// and soft Blinn-Phong specular, lit in linear RGB and sRGB-encoded on output.
// Back faces are lit too (culling is off so the mouth cavity shows from inside): their normal
// is flipped toward the viewer.

uniform vec3 u_albedo[PART_COUNT];     // linear RGB
uniform vec3 u_wrap[PART_COUNT];       // per-channel diffuse wrap
uniform vec2 u_specular[PART_COUNT];   // (strength, shininess)
uniform vec3 u_light_direction[LIGHT_COUNT];  // view space, unit, toward the light
uniform vec3 u_light_colour[LIGHT_COUNT];     // linear RGB
uniform vec3 u_sky;
uniform vec3 u_ground;

uniform bool u_use_albedo_map;   // every part's colour from u_albedo_map (sRGB texture) when true
uniform sampler2D u_albedo_map;

uniform int u_view_mode;    // 0 shaded, 1 albedo only, 2 view-space normals, 3 shading on grey
uniform vec4 u_overlay;     // wireframe pass: rgb mixed over the surface by alpha (0 = off)

in vec3 v_position;
in vec3 v_normal;
in vec2 v_texcoord;
flat in uint v_part_id;

out vec4 f_colour;

vec3 srgb_to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(vec3(0.04045), c));
}

vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), c));
}

void main() {
    uint part = min(v_part_id, uint(PART_COUNT - 1));
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) {
        n = -n;
    }
    vec3 to_eye = normalize(-v_position);

    vec3 albedo = u_albedo[part];
    if (u_use_albedo_map) {  // the albedo texture paints every part (iris, teeth, tongue)
        albedo = srgb_to_linear(texture(u_albedo_map, v_texcoord).rgb);
    }
    vec3 wrap = u_wrap[part];
    float strength = u_specular[part].x;
    float shininess = u_specular[part].y;

    vec3 diffuse = mix(u_ground, u_sky, 0.5 + 0.5 * n.y);
    vec3 specular = vec3(0.0);
    for (int i = 0; i < LIGHT_COUNT; ++i) {
        vec3 l = u_light_direction[i];
        float n_dot_l = dot(n, l);
        diffuse += u_light_colour[i] * max((vec3(n_dot_l) + wrap) / (1.0 + wrap), 0.0);
        if (n_dot_l > 0.0) {
            vec3 h = normalize(l + to_eye);
            specular += u_light_colour[i] * strength * pow(max(dot(n, h), 0.0), shininess);
        }
    }
    vec3 colour = albedo * diffuse + specular;
    if (u_view_mode == 1) {
        colour = albedo;
    } else if (u_view_mode == 2) {
        colour = srgb_to_linear(n * 0.5 + 0.5);
    } else if (u_view_mode == 3) {
        colour = vec3(0.45) * diffuse + specular;
    }
    colour = mix(colour, u_overlay.rgb, u_overlay.a);
    f_colour = vec4(linear_to_srgb(colour), 1.0);
}
